using NodeAgent.Postgres;

namespace NodeAgent.DbHealth;

public sealed class PostgresPing(PostgresClient client) : IDbPing
{
    public string Engine => "PostgreSQL";

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

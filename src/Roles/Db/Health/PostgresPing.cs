using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Health;

/// <summary>The PostgreSQL health probe: connect and SELECT 1.</summary>
public sealed class PostgresPing(PostgresClient client) : IDbPing
{
    public string Engine => "PostgreSQL";

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

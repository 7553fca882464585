using NodeAgent.Roles.Db.Health;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The PostgreSQL health probe: connect and SELECT 1.</summary>
public sealed class PostgresPing(PostgresClient client) : IDbPing
{
    public string Engine => PostgresEngine.DisplayName;

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

using NodeAgent.Roles.Db.Health;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>The MariaDB/MySQL health probe: connect and SELECT 1.</summary>
public sealed class MariaDbPing(MariaDbClient client) : IDbPing
{
    public string Engine => MariaDbEngine.DisplayName;

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

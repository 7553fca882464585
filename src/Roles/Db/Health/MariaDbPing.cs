using NodeAgent.Roles.Db.MariaDb;

namespace NodeAgent.Roles.Db.Health;

/// <summary>The MariaDB/MySQL health probe: connect and SELECT 1.</summary>
public sealed class MariaDbPing(MariaDbClient client) : IDbPing
{
    public string Engine => "MariaDB";

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

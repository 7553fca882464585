using NodeAgent.MariaDb;

namespace NodeAgent.DbHealth;

public sealed class MariaDbPing(MariaDbClient client) : IDbPing
{
    public string Engine => "MariaDB";

    public Task PingAsync(CancellationToken cancellationToken) => client.PingAsync(cancellationToken);
}

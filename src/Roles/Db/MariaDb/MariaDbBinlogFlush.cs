using MySqlConnector;
using NodeAgent.Roles.Db.Lifecycle;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary><c>FLUSH BINARY LOGS</c> closes the current binlog; one shipping round then uploads every closed one.</summary>
public sealed class MariaDbBinlogFlush(MariaDbClient client, BinlogShipService shipping) : IArchiveFlush
{
    public async Task<string> FlushAsync(CancellationToken cancellationToken)
    {
        await using (var connection = new MySqlConnection(client.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("FLUSH BINARY LOGS", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var shipped = await shipping.ShipOnceAsync(cancellationToken);
        return $"binlogs flushed; {shipped} shipped";
    }
}

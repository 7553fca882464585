using System.Globalization;
using MySqlConnector;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// The replication statements the agent runs on its MariaDB server. Account names come from validated config and are
/// quoted; the replication secret and GTID positions go in as parameters (MySqlConnector escapes them client-side), so
/// the password is in the SQL protocol only: never in a log line, a process argument or the registry.
/// </summary>
public sealed class MariaDbReplicationClient(MariaDbConfig config)
{
    private readonly string _connectionString = new MariaDbClient(config).ConnectionString;

    public async Task<ReplicaStatus> ReplicaStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SHOW SLAVE STATUS", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return ReplicaStatus.None;
        }

        string? Text(string column) => reader.IsDBNull(reader.GetOrdinal(column)) ? null : Convert.ToString(reader.GetValue(reader.GetOrdinal(column)), CultureInfo.InvariantCulture);
        var errors = new[] { Text("Last_IO_Error"), Text("Last_SQL_Error") }.Where(e => !string.IsNullOrEmpty(e)).ToList();
        return new ReplicaStatus(
            Configured: !string.IsNullOrEmpty(Text("Master_Host")),
            IoRunning: Text("Slave_IO_Running") == "Yes",
            SqlRunning: Text("Slave_SQL_Running") == "Yes",
            SecondsBehind: long.TryParse(Text("Seconds_Behind_Master"), NumberStyles.None, CultureInfo.InvariantCulture, out var behind) ? behind : null,
            ReceivedPosition: Text("Gtid_IO_Pos"),
            MasterHost: Text("Master_Host"),
            MasterPort: int.TryParse(Text("Master_Port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null,
            LastError: errors.Count == 0 ? null : string.Join("; ", errors));
    }

    /// <summary><c>@@gtid_binlog_pos</c> (what this server wrote), <c>@@gtid_slave_pos</c> (what it replicated), <c>@@read_only</c>, <c>@@server_id</c>.</summary>
    public async Task<(string BinlogPosition, string SlavePosition, bool ReadOnly, long ServerId)> StateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT @@global.gtid_binlog_pos, @@global.gtid_slave_pos, @@global.read_only, @@global.server_id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? string.Empty : reader.GetString(0), reader.IsDBNull(1) ? string.Empty : reader.GetString(1),
            Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture) == 1, Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
    }

    /// <summary>Loads the account tables as they are now (after a dump replaced them), without writing it to the binary log.</summary>
    public Task FlushPrivilegesAsync(CancellationToken cancellationToken) => ExecuteAsync("FLUSH NO_WRITE_TO_BINLOG PRIVILEGES", cancellationToken);

    public Task SetReadOnlyAsync(bool on, CancellationToken cancellationToken)
        => ExecuteAsync(on ? "SET GLOBAL read_only = 1" : "SET GLOBAL read_only = 0", cancellationToken);

    public Task SetServerIdAsync(uint id, CancellationToken cancellationToken)
        => ExecuteAsync($"SET GLOBAL server_id = {id.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>
    /// Points this (freshly seeded) server at the primary and starts replicating from <paramref name="gtidPosition"/>:
    /// <c>gtid_slave_pos</c>, <c>CHANGE MASTER TO … MASTER_USE_GTID=slave_pos</c>, <c>START SLAVE</c>.
    /// </summary>
    public async Task StartReplicaAsync(string host, int port, string user, string password, string gtidPosition, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await RunAsync(connection, "STOP SLAVE", cancellationToken);
        await RunAsync(connection, "RESET SLAVE ALL", cancellationToken);
        await RunAsync(connection, "SET GLOBAL gtid_slave_pos = @position", cancellationToken, ("@position", gtidPosition));
        await ChangeMasterAsync(connection, host, port, user, password, cancellationToken);
        await RunAsync(connection, "START SLAVE", cancellationToken);
    }

    /// <summary>Re-points a running replica at another primary (after a promotion), keeping its GTID position.</summary>
    public async Task PointAtAsync(string host, int port, string user, string password, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await RunAsync(connection, "STOP SLAVE", cancellationToken);
        await ChangeMasterAsync(connection, host, port, user, password, cancellationToken);
        await RunAsync(connection, "START SLAVE", cancellationToken);
    }

    /// <summary><c>MASTER_GTID_WAIT</c>: true once the replica has applied everything up to <paramref name="position"/>.</summary>
    public async Task<bool> WaitForPositionAsync(string position, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT MASTER_GTID_WAIT(@position, @timeout)", connection) { CommandTimeout = (int)Math.Ceiling(timeout.TotalSeconds) + 30 };
        command.Parameters.AddWithValue("@position", position);
        command.Parameters.AddWithValue("@timeout", timeout.TotalSeconds);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) == 0;
    }

    /// <summary>Stops replicating for good: the replica threads stop and the replication settings are removed.</summary>
    public async Task StopReplicaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await RunAsync(connection, "STOP SLAVE", cancellationToken);
        await RunAsync(connection, "RESET SLAVE ALL", cancellationToken);
    }

    /// <summary>On the primary: the replication account exists with the configured secret and may replicate.</summary>
    public async Task EnsureReplicationUserAsync(string user, string host, string password, CancellationToken cancellationToken)
    {
        var account = $"'{user}'@'{host}'";
        await using var connection = await OpenAsync(cancellationToken);
        await RunAsync(connection, $"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY @password", cancellationToken, ("@password", password));
        await RunAsync(connection, $"ALTER USER {account} IDENTIFIED BY @password", cancellationToken, ("@password", password));
        await RunAsync(connection, $"GRANT REPLICATION SLAVE ON *.* TO {account}", cancellationToken);
    }

    private static Task ChangeMasterAsync(MySqlConnection connection, string host, int port, string user, string password, CancellationToken cancellationToken)
        => RunAsync(connection,
            $"CHANGE MASTER TO MASTER_HOST = @host, MASTER_PORT = {port.ToString(CultureInfo.InvariantCulture)}, MASTER_USER = @user, MASTER_PASSWORD = @password, "
            + "MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 5, MASTER_HEARTBEAT_PERIOD = 1",
            cancellationToken, ("@host", host), ("@user", user), ("@password", password));

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await RunAsync(connection, sql, cancellationToken);
    }

    private static async Task RunAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

using MySqlConnector;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>The SQL questions the agent asks its MariaDB/MySQL server (MySqlConnector, one short connection each).</summary>
public sealed class MariaDbClient(MariaDbConfig config)
{
    public string ConnectionString { get; } = Build(config);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        _ = await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Whether binary logging is on, where the logs are, the server version and the data size (for part sizes).</summary>
    public async Task<MariaDbFacts> FactsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            "SELECT @@log_bin, @@log_bin_basename, VERSION(), (SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables)",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new MariaDbFacts(
            Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) == 1,
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetString(2),
            Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The server's binary logs in order; the last one is the active one, still being written.</summary>
    public async Task<IReadOnlyList<string>> BinaryLogsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SHOW BINARY LOGS", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var logs = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            logs.Add(reader.GetString(0));
        }

        return logs;
    }

    /// <summary><c>@@global.gtid_strict_mode</c>.</summary>
    public async Task<bool> GtidStrictModeAsync(CancellationToken cancellationToken)
        => Convert.ToInt64(await ScalarAsync("SELECT @@global.gtid_strict_mode", cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;

    public Task SetGtidStrictModeAsync(bool on, CancellationToken cancellationToken)
        => ExecuteAsync(on ? "SET GLOBAL gtid_strict_mode = 1" : "SET GLOBAL gtid_strict_mode = 0", cancellationToken);

    /// <summary>Runs one statement (fixed text: values never come from outside the agent).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<object?> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    private async Task<MySqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(ConnectionString);
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

    private static string Build(MariaDbConfig config)
    {
        var builder = new MySqlConnectionStringBuilder
        {
            UserID = config.User,
            Password = config.Password?.Reveal(),
            Pooling = false,
            ConnectionTimeout = 10,
            DefaultCommandTimeout = 30,
            AllowPublicKeyRetrieval = true,
            SslMode = MySqlSslMode.None,
        };
        if (config.Socket is { } socket)
        {
            builder.Server = socket;
            builder.ConnectionProtocol = MySqlConnectionProtocol.UnixSocket;
        }
        else
        {
            builder.Server = config.Host;
            builder.Port = (uint)config.Port;
        }

        return builder.ConnectionString;
    }
}

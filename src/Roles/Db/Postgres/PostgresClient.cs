using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Health;
using Npgsql;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The few SQL questions the agent asks its PostgreSQL server (Npgsql, one short connection each).</summary>
public sealed class PostgresClient(PostgreSqlConfig config)
{
    public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder
    {
        Host = config.Host,
        Port = config.Port,
        Username = config.User,
        Password = config.Password?.Reveal(),
        Database = config.Database,
        ApplicationName = "nodeagent",
        Pooling = false,
        Timeout = 10,
        CommandTimeout = 30,
        GssEncryptionMode = NoGssEncryption,
    }.ConnectionString;

    /// <summary>
    /// No GSS (Kerberos) encryption on the agent's connections. Npgsql's default ("prefer") tries it on every TCP
    /// connection: it loads the Kerberos libraries and looks for credentials each time, which cost the db agent ~1.2 MB
    /// of resident memory and work on every health check (one connection every 5 s), for an encryption nobody uses on a
    /// connection to the local server. GSSAPI authentication, which the server asks for, is not affected; for
    /// encryption between db nodes use TLS (<c>sslmode</c> in PostgreSQL's own settings).
    /// </summary>
    public const GssEncryptionMode NoGssEncryption = GssEncryptionMode.Disable;

    public async Task<ServerFacts> FactsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT system_identifier FROM pg_control_system()),
                   (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
                   current_setting('server_version_num')::int,
                   (SELECT sum(pg_database_size(oid))::bigint FROM pg_database),
                   current_setting('archive_mode'),
                   current_setting('archive_command')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ServerFacts(
            unchecked((ulong)reader.GetInt64(0)),
            reader.GetInt64(1),
            reader.GetInt32(2),
            reader.GetInt64(3),
            reader.GetString(4),
            reader.GetString(5));
    }

    /// <summary>Connects and runs <c>SELECT 1</c>.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        _ = await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<ArchiverStatus> ArchiverAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT archived_count, failed_count, last_archived_wal, last_archived_time, last_failed_wal, last_failed_time,
                   current_setting('archive_mode')
            FROM pg_stat_archiver
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ArchiverStatus(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetString(6));
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString);
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

using System.Diagnostics;
using NodeAgent.Roles.Db.Backup;
using Npgsql;

namespace NodeAgent.Testing;

/// <summary>
/// A real PostgreSQL 15 cluster (Debian's binaries) in a temp directory on a free loopback port, run as the
/// <c>postgres</c> user (PostgreSQL refuses root, and CI runs as root). Archive settings are the test's to choose.
/// A missing install is a failure, not a skip.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";

    private PostgresCluster(TempDir root, int port)
    {
        Root = root;
        Port = port;
    }

    public TempDir Root { get; }

    public string DataDir => Root.Combine("data");

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false;Timeout=30;Command Timeout=120";

    public static OsUser PostgresUser => OsUser.Find("postgres") ?? throw new InvalidOperationException("the postgres OS user is missing: install postgresql-15 (tools/deps.sh)");

    /// <summary>initdb + start. <paramref name="archiveCommand"/> null leaves archive_command empty (WAL accumulates).</summary>
    public static async Task<PostgresCluster> StartAsync(string? archiveCommand, string extraConfig = "", string? dataDir = null)
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDir}); run tools/deps.sh");
        }

        var root = new TempDir("nodeagent-pg");
        var user = PostgresUser;
        PosixOwnership.Chown(root.Path, user.Uid, user.Gid);
        var cluster = new PostgresCluster(root, LoopbackPorts.Free());
        if (dataDir is null)
        {
            await RunAsPostgresAsync(Path.Combine(BinDir, "initdb"), ["-D", cluster.DataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
        }
        else
        {
            Directory.Move(dataDir, cluster.DataDir);
        }

        await File.AppendAllTextAsync(Path.Combine(cluster.DataDir, "postgresql.conf"), cluster.Settings(archiveCommand) + extraConfig + "\n");
        if (dataDir is null)
        {
            await cluster.StartServerAsync();
        }

        return cluster;
    }

    /// <summary>A cluster on a data directory restored by the test (it is moved into the cluster's own temp dir).</summary>
    public static async Task<PostgresCluster> AdoptAsync(string restoredDataDir)
    {
        var cluster = await StartAsync(null, dataDir: restoredDataDir);
        return cluster;
    }

    public async Task StartServerAsync(TimeSpan? timeout = null)
    {
        try
        {
            await StartServerCoreAsync(timeout);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"{ex.Message}\npostgres.log:\n{Tail(Log)}", ex);
        }
    }

    private async Task StartServerCoreAsync(TimeSpan? timeout)
    {
        await RunAsPostgresAsync(Path.Combine(BinDir, "pg_ctl"),
            ["-D", DataDir, "-l", Root.Combine("postgres.log"), "-w", "-t", ((int)(timeout ?? TimeSpan.FromMinutes(3)).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "start"]);
    }

    public string Log => File.Exists(Root.Combine("postgres.log")) ? File.ReadAllText(Root.Combine("postgres.log")) : string.Empty;

    public async Task StopAsync(string mode = "fast")
        => await RunAsPostgresAsync(Path.Combine(BinDir, "pg_ctl"), ["-D", DataDir, "-m", mode, "-w", "-t", "60", "stop"], allowFailure: true);

    public async Task ExecAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Ends the current segment so it becomes ready for archiving; returns its name.</summary>
    public async Task<string> SwitchWalAsync()
        => await ScalarAsync<string>("SELECT pg_walfile_name(pg_switch_wal())");

    /// <summary>Waits until pg_stat_archiver reports <paramref name="walName"/> (or later) archived.</summary>
    public async Task WaitArchivedAsync(string walName, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var last = await ScalarAsync<object>("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") as string ?? string.Empty;
            if (string.CompareOrdinal(last.Length >= 24 ? last[..24] : last, walName) >= 0 && last.Length > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{walName} was not archived within {timeout}:\n{Tail(Log)}");
    }

    public static async Task RunAsPostgresAsync(string program, IReadOnlyList<string> args, bool allowFailure = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        foreach (var (k, v) in LocalStack.SdkEnvironment)
        {
            start.Environment[k] = v;
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsPostgresAsync(Path.Combine(BinDir, "pg_ctl"), ["-D", DataDir, "-m", "immediate", "-w", "-t", "30", "stop"], allowFailure: true);
        Root.Dispose();
    }

    private string Settings(string? archiveCommand) => $"""

        # nodeagent tests
        port = {Port}
        listen_addresses = '127.0.0.1'
        unix_socket_directories = '{Root.Path}'
        wal_level = replica
        archive_mode = on
        archive_command = '{(archiveCommand ?? string.Empty).Replace("'", "''", StringComparison.Ordinal)}'
        max_wal_senders = 4
        fsync = off
        synchronous_commit = off
        full_page_writes = on
        shared_buffers = 32MB
        max_connections = 30
        log_min_messages = warning
        """;

    public static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}

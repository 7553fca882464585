using System.Diagnostics;
using MySqlConnector;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Testing;

/// <summary>
/// A real MariaDB 10.11 server (Debian's) in a temp directory on a free loopback port, with binary logging on, run as
/// root (<c>--user=root</c>; tests run as root in CI). A missing install is a failure, not a skip.
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private readonly Process _process;

    private MariaDbServer(TempDir root, int port, Process process)
    {
        Root = root;
        Port = port;
        _process = process;
    }

    public TempDir Root { get; }

    public int Port { get; }

    public string BinlogDir => Root.Combine("binlog");

    public MariaDbConfig Config => new() { Host = "127.0.0.1", Port = Port, User = "root", BinlogDir = BinlogDir };

    public string ConnectionString => $"Server=127.0.0.1;Port={Port};User ID=root;Pooling=false;SslMode=None;AllowUserVariables=true;Default Command Timeout=120";

    /// <param name="serverId">The server's <c>server_id</c> (replicas need their own).</param>
    /// <param name="extraArgs">More mariadbd options, e.g. <c>--gtid-strict-mode=1</c>.</param>
    public static async Task<MariaDbServer> StartAsync(int serverId = 1, IReadOnlyList<string>? extraArgs = null)
    {
        if (!File.Exists("/usr/sbin/mariadbd") || !File.Exists("/usr/bin/mariadb-install-db"))
        {
            throw new InvalidOperationException("MariaDB is not installed (/usr/sbin/mariadbd); run tools/deps.sh");
        }

        var root = new TempDir("nodeagent-maria");
        var data = root.Combine("data");
        Directory.CreateDirectory(root.Combine("binlog"));
        await RunAsync("/usr/bin/mariadb-install-db", ["--no-defaults", $"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"]);
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("/usr/sbin/mariadbd",
        [
            "--no-defaults", $"--datadir={data}", "--user=root", $"--port={port}", "--bind-address=127.0.0.1",
            $"--socket={root.Combine("mysql.sock")}", $"--pid-file={root.Combine("mysql.pid")}", $"--log-bin={root.Combine("binlog", "mariadb-bin")}",
            "--server-id=" + serverId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", $"--log-error={root.Combine("error.log")}",
            .. extraArgs ?? [],
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var server = new MariaDbServer(root, port, process);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnection(server.ConnectionString);
                await connection.OpenAsync();
                return server;
            }
            catch (MySqlException) when (clock.Elapsed < TimeSpan.FromMinutes(1) && !process.HasExited)
            {
                await Task.Delay(200);
            }
            catch (MySqlException ex)
            {
                var log = File.Exists(root.Combine("error.log")) ? await File.ReadAllTextAsync(root.Combine("error.log")) : string.Empty;
                await server.DisposeAsync();
                throw new InvalidOperationException($"MariaDB did not start: {ex.Message}\n{log}", ex);
            }
        }
    }

    public async Task ExecAsync(string sql)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first row's value in <paramref name="column"/> (e.g. 1 for CHECKSUM TABLE's checksum), or null.</summary>
    public async Task<object?> ScalarAsync(string sql, int column = 0)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() && !reader.IsDBNull(column) ? reader.GetValue(column) : null;
    }

    /// <summary>A checksum of a table's contents, independent of storage: SHA-256 over its rows in key order.</summary>
    public async Task<string> ContentChecksumAsync(string table, string orderBy)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT * FROM {table} ORDER BY {orderBy}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var rows = 0;
        while (await reader.ReadAsync())
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.IsDBNull(i) ? "\\N" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{value}\t"));
            }

            hash.AppendData("\n"u8);
            rows++;
        }

        return $"{rows}:{Convert.ToHexStringLower(hash.GetHashAndReset())}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Root.Dispose();
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}

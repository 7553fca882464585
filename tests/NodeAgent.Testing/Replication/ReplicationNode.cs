using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// One db node of a <see cref="ReplicationGroup"/>: its user-data (replication on), its agent process, and its
/// PostgreSQL server, which the agent starts and stops. A primary's data directory is initialised by the test
/// (<see cref="InitAsync"/>); a replica's starts empty and is built by the agent from the archive.
/// </summary>
public sealed class ReplicationNode : IAsyncDisposable
{
    private readonly ReplicationGroup _group;
    private readonly Uri? _s3Endpoint;
    private ReplicationOptions _options;

    internal ReplicationNode(ReplicationGroup group, string nodeId, string mode, Uri? s3Endpoint)
    {
        _group = group;
        _s3Endpoint = s3Endpoint;
        _options = group.Options;
        NodeId = nodeId;
        Mode = mode;
        Address = LoopbackPorts.NextAddressWithFreePort(0, StatusEndpoint.Port);
        PgPort = LoopbackPorts.Free();
        Dir = group.Root.Combine(nodeId);
        Directory.CreateDirectory(Dir);
        NodeAgent.Roles.Db.Backup.UnixModes.Set(Dir, (UnixFileMode)0x1ED);
        var postgres = PostgresCluster.PostgresUser;
        Directory.CreateDirectory(PgRoot);
        NodeAgent.Roles.Db.Backup.PosixOwnership.Chown(PgRoot, postgres.Uid, postgres.Gid);
        WriteUserData();
    }

    public string NodeId { get; }

    public string Mode { get; }

    public IPAddress Address { get; }

    public int PgPort { get; }

    public string Dir { get; }

    public string StateDir => Path.Combine(Dir, "state");

    public string PgRoot => Path.Combine(Dir, "pg");

    public string DataDir => Path.Combine(PgRoot, "data");

    public string UserData => Path.Combine(Dir, "user-data.yaml");

    public string AgentLog => Path.Combine(Dir, "agent.log");

    public string ServerLog => Path.Combine(StateDir, "postgres", "log", "postgresql.log");

    public AgentProcess? Agent { get; private set; }

    public Uri Healthz => StatusEndpoint.Healthz(Address);

    public Uri Metrics => StatusEndpoint.Metrics(Address);

    public string ConnectionString => $"Host={Address};Port={PgPort};Username=postgres;Database=postgres;Pooling=false;Timeout=10;Command Timeout=120";

    /// <summary>initdb (as postgres) with the test settings: a primary's data for the agent to serve.</summary>
    public async Task InitAsync()
    {
        await PostgresCluster.RunAsPostgresAsync(Path.Combine(PostgresCluster.BinDir, "initdb"),
            ["-D", DataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"]);
        await File.AppendAllTextAsync(Path.Combine(DataDir, "postgresql.conf"), $"""

            # nodeagent replication tests
            unix_socket_directories = ''
            max_wal_senders = 4
            fsync = off
            shared_buffers = 32MB
            max_connections = 30
            log_replication_commands = on
            log_line_prefix = '%m [%p] %a@%h '
            {_group.Options.ExtraPostgresConfig}
            """);
    }

    public AgentProcess Start()
    {
        Agent = AgentProcess.Start(["run", "--user-data", UserData], new AgentStartOptions { LogFile = AgentLog, Binary = _group.Options.Binary });
        return Agent;
    }

    /// <summary>Runs a nodeagent command with this node's user-data (appended) and the group's binary; fails on a non-zero exit.</summary>
    public async Task<string> RunCliAsync(IReadOnlyList<string> args, TimeSpan timeout)
    {
        await using var cli = AgentProcess.Start([.. args, "--user-data", UserData], new AgentStartOptions { Binary = _group.Options.Binary });
        Assert.True(await cli.WaitForExitAsync(timeout), $"nodeagent {string.Join(' ', args)} did not exit within {timeout}");
        Assert.True(cli.ExitCode == 0, $"nodeagent {string.Join(' ', args)} exited {cli.ExitCode}:\n{cli.StandardOutput}\n{cli.StandardError}");
        return cli.StandardOutput;
    }

    /// <summary>Writes the user-data again with <paramref name="options"/> (the agent reads it at its next start).</summary>
    public void Reconfigure(ReplicationOptions options)
    {
        _options = options;
        WriteUserData();
    }

    /// <summary>SIGTERM and wait (the agent leaves PostgreSQL running).</summary>
    public async Task StopAgentAsync()
    {
        if (Agent is { HasExited: false } agent)
        {
            UnixSignals.Send(agent.Pid, UnixSignals.SigTerm);
            Assert.True(await agent.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"{NodeId}'s agent did not stop on SIGTERM");
        }
    }

    /// <summary>pg_ctl stop -m fast, as the postgres user.</summary>
    public Task StopServerAsync()
        => PostgresCluster.RunAsPostgresAsync(Path.Combine(PostgresCluster.BinDir, "pg_ctl"), ["-D", DataDir, "-m", "fast", "-w", "-t", "60", "stop"], allowFailure: true);

    /// <summary>kill -9 of the agent and of PostgreSQL (the postmaster and every child), as a crashed machine would.</summary>
    public async Task KillAllAsync()
    {
        if (Agent is { HasExited: false } agent)
        {
            await agent.KillHardAsync();
        }

        if (PostmasterPid() is { } postmaster)
        {
            var children = ProcFs.Children(postmaster);
            UnixSignals.Send(postmaster, UnixSignals.SigKill);
            foreach (var child in children)
            {
                UnixSignals.Send(child, UnixSignals.SigKill);
            }

            var clock = Stopwatch.StartNew();
            while (Directory.Exists($"/proc/{postmaster}") && clock.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(20);
            }
        }
    }

    public int? PostmasterPid()
    {
        var pidFile = Path.Combine(DataDir, "postmaster.pid");
        try
        {
            return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                   && Directory.Exists($"/proc/{pid}") ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The agent's readiness check <paramref name="check"/> (ready, detail), or null when it does not answer.</summary>
    public async Task<(bool Ready, string Detail)?> CheckAsync(string check)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(Healthz);
            var checks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
            return checks.TryGetProperty(check, out var found)
                ? (found.GetProperty("ready").GetBoolean(), found.GetProperty("detail").GetString() ?? string.Empty)
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Waits until the agent's <c>db-replication</c> check is ready with a detail starting with <paramref name="role"/> (e.g. <c>primary</c>, <c>replica (streaming)</c>); returns the detail.</summary>
    public Task<string> WaitRoleAsync(string role, TimeSpan timeout)
        => WaitForAsync(async () => (await CheckAsync("db-replication")) is { Ready: true, Detail: var d } && d.StartsWith(role, StringComparison.Ordinal) ? d : null,
            timeout, $"{NodeId} {role}");

    /// <summary>Polls <paramref name="probe"/> until it returns a value; fails with the group's diagnostics on timeout or when the agent exits.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            if (Agent is { HasExited: true } agent)
            {
                throw new InvalidOperationException($"{NodeId}'s agent exited ({agent.ExitCode}) while waiting for {what}:\n{_group.Diagnostics()}");
            }

            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or InvalidCastException or IOException or TimeoutException)
            {
                last = ex;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{NodeId}: {what} did not happen within {timeout} (last error: {last?.Message}):\n{_group.Diagnostics()}");
    }

    public string Diagnostics()
    {
        static string Tail(string text, int n = 3000) => text.Length <= n ? text : text[^n..];
        var server = File.Exists(ServerLog) ? File.ReadAllText(ServerLog) : "(no server log)";
        return $"--- {NodeId} agent:\n{Tail(Agent?.StandardOutput ?? string.Empty)}\n{Tail(Agent?.StandardError ?? string.Empty, 1000)}\n--- {NodeId} postgresql.log:\n{Tail(server, 2000)}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }

        if (PostmasterPid() is not null)
        {
            await PostgresCluster.RunAsPostgresAsync(Path.Combine(PostgresCluster.BinDir, "pg_ctl"), ["-D", DataDir, "-m", "immediate", "-w", "-t", "30", "stop"], allowFailure: true);
        }
    }

    private void WriteUserData()
    {
        var o = _options;
        var s3 = _s3Endpoint ?? o.S3Endpoint;
        var aws = s3 is null
            ? _group.Stack.AwsYaml(_group.Bucket)
            : string.Join('\n',
                "aws:",
                $"  region: {LocalStack.Region}",
                $"  bucket: {_group.Bucket}",
                $"  s3: {{endpoint: \"{s3}\", force_path_style: true}}",
                $"  sqs: {{endpoint: \"{_group.Stack.Endpoint}\"}}",
                $"  credentials: {{access_key_id: {LocalStack.AccessKey}, secret_access_key: {LocalStack.SecretKey}}}",
                $"  retry: {LocalStack.TestRetry}");
        var header = new NodeUserData
        {
            Role = "db",
            Cluster = _group.Cluster,
            NodeId = NodeId,
            Address = Address,
            StateDir = StateDir,
            Aws = aws,
            Dns = _group.Bind.DnsYaml(),
        }.Header;
        var encryption = o.EncryptionKeyFile is { } keyFile ? $", encryption: {{keys: [{{id: test-k1, local_key: {{file: \"{keyFile}\"}}}}]}}" : string.Empty;
        File.WriteAllText(UserData, header + "\n" + $$"""
            registry: {heartbeat_interval: 2s}
            db:
              engine: postgresql
              health_interval: 1s
              postgresql: {data_dir: {{DataDir}}, host: {{Address}}, port: {{PgPort}}, os_user: postgres}
              backup: {full_every: {{o.FullEvery}}, retain_full: {{o.RetainFull}}, wal_timeout: 2m, compression_level: 1{{encryption}}}
              replication:
                mode: {{Mode}}
                name: {{o.Name}}
                password: "{{o.Password}}"
                allowed_cidrs: [127.0.0.0/8]
                synchronous: {{(o.Synchronous ? "true" : "false")}}
                on_sync_loss: {{o.OnSyncLoss}}
                auto_failover: {{(o.AutoFailover ? "true" : "false")}}
                interval: {{o.Interval}}
                fall: {{o.Fall}}
                min_hold: {{o.MinHold}}
                lease: {{o.Lease}}
                switchover_timeout: {{o.SwitchoverTimeout}}
            """);
    }
}

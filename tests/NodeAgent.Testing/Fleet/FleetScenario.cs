using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// The steps of the fleet scenario, shared by the README demo (<c>tests/Fleet</c>) and the end-to-end suite: each
/// step drives the cluster through the agents' own commands and real processes, times itself, checks its outcome,
/// and records a line for the summary. A step that does not reach its outcome throws with what it saw.
/// </summary>
public sealed class FleetScenario(Fleet fleet, TrafficProbe traffic, Action<string> log)
{
    /// <summary>How long requests may fail after the active lb node dies: the standby's detection (fall × interval =
    /// 2 s), its DNS write, and slack for a loaded 2-core machine (docs/fleet.md).</summary>
    public static readonly TimeSpan LbFailoverWindow = TimeSpan.FromSeconds(10);

    /// <summary>A request in flight on a web server killed -9 can fail (HAProxy retries connection failures, not a
    /// response cut midway); later ones are redispatched.</summary>
    public static readonly TimeSpan WebKillWindow = TimeSpan.FromSeconds(2);

    private int _version = 1;
    private long _nextRow = 1;

    public List<StepResult> Steps { get; } = [];

    public string CurrentVersion => $"v{_version}";

    /// <summary>Rows committed on the primary so far (ids 1 … n-1); none of them may be lost.</summary>
    public long CommittedRows => _nextRow - 1;

    public async Task<DeployResult> DeployAsync(string name, IReadOnlyCollection<FleetNode>? down = null)
    {
        var version = $"v{++_version}";
        var before = traffic.Now;
        // A dead node is still registered (its entry goes stale only after the registry TTL): --wait reports it as
        // not finished after a short timeout, and it catches up when it boots.
        var result = await fleet.DeployAsync(version, down is { Count: > 0 } ? TimeSpan.FromSeconds(20) : TimeSpan.FromMinutes(2), down?.Select(d => d.NodeId).ToList());
        await traffic.WaitForAsync(before, TimeSpan.FromSeconds(30), body: $"shop {version}");
        var served = fleet.ServedVersions().Where(w => fleet.Webs.Single(n => n.NodeId == w.Key).Running).ToList();
        var stale = served.Where(s => s.Value != $"shop {version}").ToList();
        if (stale.Count > 0)
        {
            throw new InvalidOperationException($"deploy of {version} reported done but {string.Join(", ", stale.Select(s => $"{s.Key} serves '{s.Value}'"))}");
        }

        var failed = traffic.FailuresBetween(before, traffic.Now).Failed;
        var missing = down is { Count: > 0 } ? $"; --wait reported {string.Join(", ", down.Select(d => d.NodeId))} unfinished (exit 7)" : string.Empty;
        Record(name, result.Elapsed, $"{version} ({result.Commit[..8]}) live on {served.Count} web nodes{missing}; {failed} failed requests meanwhile");
        return result;
    }

    /// <summary>The active lb node dies (agent and HAProxy, kill -9); the standby takes <c>lb.&lt;zone&gt;</c> over.</summary>
    public async Task<(FleetNode Dead, FleetNode Survivor)> KillActiveLbAsync(string name, Func<Task>? meanwhile = null)
    {
        var active = await fleet.ActiveLbAsync(CancellationToken.None);
        var standby = fleet.Lbs.Single(l => l != active);
        var at = traffic.Now;
        await KillNodeAsync(active, "haproxy.pid");
        traffic.AllowFailures($"{active.NodeId} died", at, traffic.Now - at + LbFailoverWindow);
        var work = meanwhile?.Invoke() ?? Task.CompletedTask;
        var served = await traffic.WaitForAsync(at, TimeSpan.FromSeconds(30), lb: standby.Address);
        await work;
        var (failed, span) = traffic.FailuresBetween(at, traffic.Now);
        Record(name, served - at, $"{active.NodeId} killed (agent + HAProxy); {fleet.LbName} -> {standby.NodeId} {standby.Address}; {failed} requests failed over {span.TotalSeconds:F1} s");
        return (active, standby);
    }

    /// <summary>A web node dies (agent and nginx, kill -9); HAProxy takes it out of rotation.</summary>
    public async Task<FleetNode> KillWebAsync(string name, FleetNode web)
    {
        var at = traffic.Now;
        await KillNodeAsync(web, "nginx.pid");
        var killed = traffic.Now;
        traffic.AllowFailures($"{web.NodeId} died", at, killed - at + WebKillWindow);
        // Enough requests for HAProxy's checks (inter 500 ms × fall 2) to notice and for traffic to settle on the rest.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = traffic.Samples.Where(s => s.At > killed + TimeSpan.FromSeconds(0.5)).ToList();
        if (after.FirstOrDefault(s => s.Detail == web.NodeId) is { } late)
        {
            throw new InvalidOperationException($"{web.NodeId} still answers after it was killed ({late}); processes under it: {string.Join(", ", ProcessesUnder(web.Home))}");
        }

        var (failed, _) = traffic.FailuresBetween(at, traffic.Now);
        Record(name, traffic.Now - at, $"{web.NodeId} killed (agent + nginx); {after.Count} later requests all served by the others; {failed} failed");
        return web;
    }

    /// <summary>A node comes back: its agent boots, catches up to the desired release, starts its service, registers.</summary>
    public async Task RestartNodeAsync(string name, FleetNode node)
    {
        var clock = Stopwatch.StartNew();
        await fleet.StartAgentAsync(node);
        var detail = node.Role == "web"
            ? $"{node.NodeId} caught up to {fleet.ServedVersions()[node.NodeId].Replace("shop ", string.Empty, StringComparison.Ordinal)} before serving"
            : $"{node.NodeId} ready";
        if (node.Role == "web")
        {
            await traffic.WaitForAsync(traffic.Now, TimeSpan.FromSeconds(30), body: $"shop {CurrentVersion}");
            if (fleet.ServedVersions()[node.NodeId] != $"shop {CurrentVersion}")
            {
                throw new InvalidOperationException($"{node.NodeId} booted serving {fleet.ServedVersions()[node.NodeId]}, not {CurrentVersion}");
            }
        }

        Record(name, clock.Elapsed, detail);
    }

    /// <summary>Inserts <paramref name="count"/> rows on the primary (each its own committed transaction).</summary>
    public async Task<(long First, long Last)> InsertRowsAsync(int count, string note)
    {
        var first = _nextRow;
        await fleet.Postgres.ExecAsync(string.Join(';', Enumerable.Range(0, count).Select(i => $"INSERT INTO orders (id, note) VALUES ({first + i}, '{note}')")));
        _nextRow += count;
        return (first, _nextRow - 1);
    }

    /// <summary>Waits for the db node's first base backup (taken by the agent on its own schedule).</summary>
    public async Task<string> WaitForBackupAsync(string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var (code, stdout, _) = await AgentProcess.RunAsync(["backup", "list", "--json", "--user-data", fleet.Db.UserData], TimeSpan.FromMinutes(1));
            var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
            if (code == 0 && line is not null)
            {
                using var doc = JsonDocument.Parse(line);
                var id = doc.RootElement.GetProperty("id").GetString()!;
                Record(name, clock.Elapsed, $"base backup {id} complete in S3");
                return id;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"no complete base backup within {timeout}:\n{FleetNode.Tail(fleet.Db.Agent?.StandardOutput ?? string.Empty)}");
    }

    /// <summary>Rows before and after a moment T, WAL archived, then a point-in-time restore to T into a new data
    /// directory, started as its own PostgreSQL: it must hold exactly the rows committed before T.</summary>
    public async Task PointInTimeRestoreAsync(string name)
    {
        await InsertRowsAsync(50, "before T");
        var expected = CommittedRows;
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        var target = await fleet.Postgres.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await InsertRowsAsync(50, "after T");
        await fleet.Postgres.WaitArchivedAsync(await fleet.Postgres.SwitchWalAsync(), TimeSpan.FromMinutes(2));

        var (rows, elapsed) = await RestoreAndCountAsync(target.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        if (rows != expected)
        {
            throw new InvalidOperationException($"point-in-time restore to {target:O} holds {rows} rows, expected exactly {expected}");
        }

        Record(name, elapsed, $"restored to T = {target:HH:mm:ss.fff}: {rows} rows, exactly those committed before T (of {CommittedRows})");
    }

    /// <summary>Restores the newest backup plus archived WAL (to <paramref name="targetTime"/>, or everything) into a
    /// new data directory, starts it, and counts the rows.</summary>
    public async Task<(long Rows, TimeSpan Elapsed)> RestoreAndCountAsync(string? targetTime)
    {
        var clock = Stopwatch.StartNew();
        var to = fleet.Dir.Combine($"restored-{Guid.NewGuid():N}"[..20]);
        string[] args = targetTime is null
            ? ["backup", "restore", "--to", to, "--user-data", fleet.Db.UserData]
            : ["backup", "restore", "--to", to, "--target-time", targetTime, "--user-data", fleet.Db.UserData];
        var (code, stdout, stderr) = await AgentProcess.RunAsync(args, TimeSpan.FromMinutes(3));
        if (code != 0)
        {
            throw new InvalidOperationException($"nodeagent backup restore exited {code}:\n{stdout}\n{stderr}");
        }

        await using var restored = await PostgresCluster.AdoptAsync(to);
        await restored.StartServerAsync();
        var recovery = Stopwatch.StartNew();
        while (await restored.ScalarAsync<bool>("SELECT pg_is_in_recovery()"))
        {
            if (recovery.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"the restored cluster is still recovering after 2 min:\n{PostgresCluster.Tail(restored.Log)}");
            }

            await Task.Delay(200);
        }

        var rows = await restored.ScalarAsync<long>("SELECT count(*) FROM orders");
        return (rows, clock.Elapsed);
    }

    /// <summary>kill -9 of the agent and of the process named by the node's service pid file (with its children).</summary>
    public static async Task KillNodeAsync(FleetNode node, string pidFile)
    {
        var service = node.ServicePid(pidFile) ?? throw new InvalidOperationException($"{node.NodeId}: no live process behind a {pidFile} under {node.Home}");
        await node.KillAgentAsync();
        KillTree(service);
    }

    /// <summary>Processes whose command line mentions <paramref name="dir"/> (diagnostics).</summary>
    public static IEnumerable<string> ProcessesUnder(string dir)
        => ProcFs.Pids()
            .Select(p => (Pid: p, Cmd: ProcFs.CommandLine(p)))
            .Where(p => p.Cmd.Contains(dir, StringComparison.Ordinal))
            .Select(p => $"{p.Pid} {p.Cmd.Replace('\0', ' ')}");

    public static void KillTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
    }

    public void Record(string name, TimeSpan elapsed, string detail)
    {
        Steps.Add(new StepResult(name, elapsed, detail));
        log($"{name}: {detail} ({elapsed.TotalSeconds:F1} s)");
    }
}

/// <summary>One line of the summary: what happened and how long it took.</summary>
public sealed record StepResult(string Name, TimeSpan Elapsed, string Detail);

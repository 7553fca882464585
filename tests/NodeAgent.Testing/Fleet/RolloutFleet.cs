using System.Diagnostics;
using System.Text.Json;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Web.Rollout;
using NodeAgent.Storage;

namespace NodeAgent.Testing.Fleet;

/// <summary>
/// A fleet for rollouts (tests and bench/rollout): N web nodes rolling one batch at a time, 2 lb nodes advancing the
/// rollout, no db node, a loopback webhook receiver on every node's <c>notifications:</c>, and nginx that answers 500
/// to a third of the requests of a release holding <see cref="FailMarker"/> (a bad revision that passes its checks).
/// </summary>
public sealed class RolloutFleet : IAsyncDisposable
{
    public const string FailMarker = "FAIL500";
    public const string Secret = "rollout-test-secret-0123456789";

    private RolloutFleet(Fleet fleet, WebhookReceiver receiver)
    {
        Fleet = fleet;
        Receiver = receiver;
    }

    public Fleet Fleet { get; }

    public WebhookReceiver Receiver { get; }

    /// <param name="rollout">The app's <c>rollout:</c> flow mapping.</param>
    public static async Task<RolloutFleet> StartAsync(string cluster, Action<string> log, int webNodes, string rollout)
    {
        var receiver = await WebhookReceiver.StartAsync(Secret);
        try
        {
            var fleet = await Fleet.StartAsync(cluster, log, new FleetOptions
            {
                WebNodes = webNodes,
                Db = false,
                FailMarker = FailMarker,
                WebAppExtra = $"\n      rollout: {rollout}\n      hooks: {{validate: {{command: [test, -f, index.html]}}}}",
                // No idle rounds within a test: every rollout the lbs advance is started by a nudge (a publish, a
                // control) or, on a standby that takes over mid-rollout, by the takeover itself.
                LbExtra = "\n  rollout: {interval: 250ms, idle_interval: 10m}",
                TopLevelExtra = $"\nnotifications:\n  webhooks:\n    - {{url: \"{receiver.Url}\", secret: \"{Secret}\", timeout: 2s}}\n  retry: {{base_delay: 200ms, max_delay: 2s}}\n",
            });
            return new RolloutFleet(fleet, receiver);
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>Commits a revision (bad: it holds <see cref="FailMarker"/>) and returns its commit id.</summary>
    public string Commit(string version, bool bad)
        => Fleet.Repo.Commit(new Dictionary<string, string?> { ["index.html"] = $"shop {version}\n", [FailMarker] = bad ? "yes\n" : null }, version);

    public string[] DeployArgs(string commit, TimeSpan timeout, params string[] extra)
        => ["deploy", "--app", Fleet.App, "--revision", commit, "--wait", "--timeout", $"{(int)timeout.TotalSeconds}s", "--user-data", Fleet.Webs[0].UserData, .. extra];

    /// <summary>The rollout record as the nodes read it (null before the lb wrote one).</summary>
    public async Task<RolloutProgress?> ProgressAsync(CancellationToken cancellationToken)
    {
        await using var services = Fleet.Stack.Services(Fleet.Bucket);
        var obj = await Fleet.Stack.Store(services).GetAsync(NodeAgent.Roles.Web.Deploy.DeployKeys.Rollout(Fleet.Cluster, Fleet.App), 1 << 20, cancellationToken);
        return obj is null ? null : NodeAgent.Roles.Web.Deploy.DeployJson.Parse<RolloutProgress>(obj.Content).Value;
    }

    public async Task<RolloutProgress> WaitForProgressAsync(long sequence, Func<RolloutProgress, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        RolloutProgress? last = null;
        while (clock.Elapsed < timeout)
        {
            last = await ProgressAsync(CancellationToken.None);
            if (last is not null && last.Sequence == sequence && condition(last))
            {
                return last;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"the rollout of sequence {sequence} did not get there within {timeout}; last: {(last is null ? "none" : JsonSerializer.Serialize(last))}");
    }

    /// <summary>Samples <c>show servers state</c> on <paramref name="lb"/> every 100 ms; the most servers of the app seen
    /// out of READY (absent, down, draining or in maintenance) at once, out of <paramref name="expected"/>.</summary>
    public static async Task<(int MaxOut, int Samples, string Worst)> SampleServersAsync(FleetNode lb, int expected, CancellationToken cancellationToken)
    {
        var runtime = new HaproxySocketRuntime(new HaproxyPaths(Path.Combine(lb.StateDir, "haproxy")));
        var backend = ServerKey.BackendName(Fleet.App);
        var (max, samples, worst) = (0, 0, string.Empty);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                IReadOnlyList<ServerState> servers;
                try
                {
                    servers = await runtime.ShowServersStateAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    continue;
                }

                var mine = servers.Where(s => s.Backend == backend).ToList();
                var ready = mine.Count(s => !s.IsDown && !s.Draining && !s.InMaintenance);
                samples++;
                if (expected - ready > max)
                {
                    max = expected - ready;
                    worst = string.Join(", ", mine.Select(s => $"{s.Name} {s.Describe()}"));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return (max, samples, worst);
    }

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

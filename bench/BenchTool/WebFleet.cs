using NodeAgent.Testing;

namespace NodeAgent.Bench;

/// <summary>
/// The many web agents of bench/fleet-fanout and bench/scale, all deploying one small repository: each a real agent
/// process with its own user-data file, state dir, queue, log and 127.77.x.y address (one whose status port is free),
/// started in batches, each batch ready before the next starts.
/// </summary>
public sealed class WebFleet(BenchStack stack, string work)
{
    private readonly List<WebAgent> _agents = [];

    public IReadOnlyList<WebAgent> Agents => _agents;

    public IReadOnlySet<int> Pids => _agents.Select(a => a.Process.Pid).ToHashSet();

    /// <summary>The repository both benches deploy: 50 small pages, and two revisions (a, then b with an index page)
    /// to alternate between.</summary>
    public static (string Path, IReadOnlyList<string> Commits) CreateRepo(string work)
    {
        var repo = GitRepo.Create(Path.Combine(work, "repo"), commandTimeout: Timeout.InfiniteTimeSpan);
        for (var i = 0; i < 50; i++)
        {
            File.WriteAllText(Path.Combine(repo.Path, $"page{i}.html"), $"page {i}\n");
        }

        var a = repo.CommitWorkingTree("a");
        File.WriteAllText(Path.Combine(repo.Path, "index.html"), "b\n");
        return (repo.Path, [a, repo.CommitWorkingTree("b")]);
    }

    /// <summary>Starts <paramref name="count"/> agents named by <paramref name="nodeId"/> (0-based) in batches of
    /// <paramref name="batch"/> and waits until every one is ready.</summary>
    public async Task StartAsync(string repo, int count, int batch, Func<int, string> nodeId, TimeSpan readyTimeout)
    {
        for (var i = 0; i < count; i++)
        {
            var id = nodeId(i);
            var address = LoopbackPorts.NextAddressWithFreePort(BenchAgent.Network, StatusEndpoint.Port);
            var userData = stack.WebUserData(work, id, address, repo);
            _agents.Add(new WebAgent(id, address, userData, BenchAgent.Start(userData, Path.Combine(work, id + ".log"))));
            if (i % batch == batch - 1)
            {
                await Task.WhenAll(_agents.TakeLast(batch).Select(a => a.WaitReadyAsync(readyTimeout)));
            }
        }

        await Task.WhenAll(_agents.Select(a => a.WaitReadyAsync(readyTimeout)));
    }

    /// <summary>Stops every agent gracefully (killed after <paramref name="timeout"/>), <paramref name="parallel"/> at a
    /// time so many shutdowns do not all land on 2 cores at once.</summary>
    public async Task StopAsync(TimeSpan timeout, int parallel)
    {
        foreach (var chunk in _agents.Chunk(parallel))
        {
            await Task.WhenAll(chunk.Select(async a =>
            {
                await a.Process.StopAsync(timeout);
                await a.Process.DisposeAsync();
            }));
        }
    }
}

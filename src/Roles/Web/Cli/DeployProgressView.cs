using NodeAgent.Roles.Web.Deploy;
using Spectre.Console;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// Live per-node progress for <c>deploy --wait</c>, from the status records. On a terminal: a Spectre.Console table
/// redrawn in place; otherwise one line per change, so logs and CI output stay readable.
/// </summary>
public sealed class DeployProgressView(TextWriter output, bool interactive)
{
    private readonly Dictionary<string, string> _shown = new(StringComparer.Ordinal);

    public sealed record WaitOutcome(bool Succeeded, IReadOnlyList<DeploymentStatus> Statuses, string Summary);

    public static async Task<WaitOutcome> WaitAsync(
        DeploymentStatusStore store, string cluster, PublishResult publish, TimeSpan timeout, DeployProgressView view, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        IReadOnlyList<DeploymentStatus> statuses = [];
        var expected = publish.Targets.ToHashSet(StringComparer.Ordinal);
        if (expected.Count == 0)
        {
            return new WaitOutcome(false, [], $"no live node serves app {publish.Desired.App}: nothing to wait for (nodes that boot later catch up)");
        }

        async Task<bool> PollAsync()
        {
            statuses = await store.ListAsync(cluster, publish.Sequence, cancellationToken);
            expected.UnionWith(statuses.Select(s => s.NodeId));
            return expected.All(n => statuses.FirstOrDefault(s => s.NodeId == n)?.IsTerminal == true);
        }

        bool done;
        if (view.Interactive)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(view.Output) });
            done = false;
            await console.Live(view.Table(expected, statuses, time)).StartAsync(async live =>
            {
                while (!(done = await PollAsync()) && time.GetUtcNow() < deadline)
                {
                    live.UpdateTarget(view.Table(expected, statuses, time));
                    await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
                }

                live.UpdateTarget(view.Table(expected, statuses, time));
            });
        }
        else
        {
            while (!(done = await PollAsync()) && time.GetUtcNow() < deadline)
            {
                await view.WriteChangesAsync(statuses);
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
            }

            await view.WriteChangesAsync(statuses);
        }

        var failed = statuses.Where(s => s.IsTerminal && !DeployStates.IsSuccess(s.State)).Select(s => $"{s.NodeId} {s.State}").ToList();
        var missing = expected.Where(n => statuses.FirstOrDefault(s => s.NodeId == n)?.IsTerminal != true).ToList();
        var ok = done && failed.Count == 0;
        var summary = ok
            ? $"sequence {publish.Sequence}: all {expected.Count} node(s) succeeded"
            : $"sequence {publish.Sequence}: FAILED — {string.Join("; ", failed.Concat(missing.Select(m => $"{m} did not finish within {timeout.TotalSeconds:0} s")))}";
        return new WaitOutcome(ok, statuses, summary);
    }

    public bool Interactive => interactive;

    public TextWriter Output => output;

    private async Task WriteChangesAsync(IReadOnlyList<DeploymentStatus> statuses)
    {
        foreach (var s in statuses)
        {
            var line = $"  {s.NodeId,-20} {Describe(s)}";
            if (_shown.GetValueOrDefault(s.NodeId) != line)
            {
                _shown[s.NodeId] = line;
                await output.WriteLineAsync(line);
            }
        }
    }

    private Table Table(IEnumerable<string> nodes, IReadOnlyList<DeploymentStatus> statuses, TimeProvider time)
    {
        var table = new Table().AddColumns("node", "state", "release", "detail", "elapsed");
        foreach (var node in nodes.Order(StringComparer.Ordinal))
        {
            var s = statuses.FirstOrDefault(x => x.NodeId == node);
            var state = s is null ? "[grey]waiting[/]" : s.State switch
            {
                DeployStates.Succeeded or DeployStates.Superseded => $"[green]{s.State}[/]",
                DeployStates.Deploying => $"[yellow]{s.State}{(s.Stage is null ? string.Empty : " · " + s.Stage)}[/]",
                _ => $"[red]{s.State}[/]",
            };
            table.AddRow(
                Markup.Escape(node),
                state,
                Markup.Escape(s?.Release ?? "-"),
                Markup.Escape(s?.Detail ?? string.Empty),
                s is null ? "-" : $"{((s.IsTerminal ? s.UpdatedAt : time.GetUtcNow()) - s.StartedAt).TotalSeconds:0.0}s");
        }

        return table;
    }

    private static string Describe(DeploymentStatus s)
        => $"{s.State}{(s.Stage is null || s.IsTerminal ? string.Empty : " (" + s.Stage + ")")}" +
           $"{(s.Release is null ? string.Empty : " " + s.Release)}{(s.Detail is null ? string.Empty : ": " + s.Detail)}";
}

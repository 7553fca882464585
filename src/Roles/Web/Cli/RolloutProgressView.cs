using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// <c>deploy --wait</c> for a rollout: follows <c>rollout.json</c> (written by the active lb) and prints, one line per
/// change, the rollout's state, each batch with its nodes, and each gate's measured value against its threshold; at
/// the end why it halted. The outcome is a success only for <c>succeeded</c>; a halt, a rollback, a failed rollback
/// or the timeout are failures (exit 7).
/// </summary>
public sealed class RolloutProgressView(TextWriter output)
{
    private readonly HashSet<string> _shown = new(StringComparer.Ordinal);

    public sealed record WaitOutcome(bool Succeeded, RolloutProgress? Progress, string Summary);

    public static async Task<WaitOutcome> WaitAsync(
        RolloutStore store, string cluster, string app, long sequence, TimeSpan timeout, RolloutProgressView view, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        RolloutProgress? progress = null;
        string? problem = null;
        while (true)
        {
            var read = await store.ReadProgressAsync(cluster, app, cancellationToken);
            problem = read.Problem;
            if (read.Value is { } p && p.Sequence == sequence && p.App == app && p.Cluster == cluster)
            {
                progress = p;
                await view.WriteAsync(p);
                if (p.IsTerminal)
                {
                    break;
                }
            }

            if (time.GetUtcNow() >= deadline)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
        }

        return Outcome(sequence, timeout, progress, problem);
    }

    public static WaitOutcome Outcome(long sequence, TimeSpan timeout, RolloutProgress? progress, string? problem)
    {
        if (progress is null)
        {
            return new WaitOutcome(false, null, $"sequence {sequence}: FAILED — no lb advanced the rollout within {timeout.TotalSeconds:0} s"
                + (problem is null ? " (is an lb node serving the app running?)" : $" ({problem})"));
        }

        if (progress.State == RolloutStates.Succeeded)
        {
            return new WaitOutcome(true, progress, $"sequence {sequence}: rollout succeeded, all {progress.Batches.Count} batch(es) passed");
        }

        var halt = progress.Halt is { } h ? $"halted at batch {h.Batch} by gate {h.Gate}: {h.Reason}" : "not finished";
        var summary = progress.IsTerminal
            ? $"sequence {sequence}: rollout {progress.State.ToUpperInvariant()} — {halt}; {progress.Detail}"
            : $"sequence {sequence}: FAILED — the rollout is still {progress.State} after {timeout.TotalSeconds:0} s ({halt}; {progress.Detail}); it goes on without this command";
        return new WaitOutcome(false, progress, summary);
    }

    /// <summary>The lines that changed since the last call.</summary>
    public async Task WriteAsync(RolloutProgress p)
    {
        foreach (var line in Lines(p))
        {
            if (_shown.Add(line))
            {
                await output.WriteLineAsync(line);
            }
        }
    }

    public static IEnumerable<string> Lines(RolloutProgress p)
    {
        yield return $"rollout {p.State}: {p.Released} of {p.Batches.Count} batch(es) released (advanced by {p.Advancer}, epoch {p.Epoch})";
        foreach (var b in p.Batches)
        {
            yield return $"  batch {b.Index} [{string.Join(", ", b.Nodes)}]: {b.State}{(b.Detail is null ? string.Empty : " — " + b.Detail)}";
            foreach (var g in b.Gates.Where(g => !g.Pending || !g.Ok))
            {
                yield return $"    batch {b.Index} gate {g.Name}: {g.Measured} (threshold {g.Threshold}) {(g.Ok ? "ok" : "FAILED")}";
            }
        }

        if (p.Halt is { } h)
        {
            yield return $"  HALTED at batch {h.Batch}: gate {h.Gate}: {h.Reason}";
        }
    }
}

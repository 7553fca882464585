using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Reads and atomically replaces each app's <see cref="AppDeployState"/> under the node's state dir. The file is checked
/// when it is read and before it is written: an entry that would not pass (a sequence past the maximum, a release that
/// is not a release id, text with control characters) is dropped with a logged reason and the rest is kept, so a
/// poisoned file never freezes the node (the desired release is simply deployed again, or found already current).
/// </summary>
public sealed partial class DeployStateStore(string stateDir, ILogger<DeployStateStore> logger)
{
    /// <summary>The state file is small; anything larger is not ours.</summary>
    public const int MaxFileBytes = DeployJson.MaxBytes;

    public string DeployDir { get; } = Path.Combine(stateDir, "deploy");

    public string PathOf(string app) => Path.Combine(DeployDir, "apps", app + ".json");

    /// <summary>The app's state; an empty state when there is none yet or the file is unreadable (then the desired
    /// release is simply deployed again). Bad entries are dropped one by one, each with its reason.</summary>
    public AppDeployState Load(string app)
    {
        var path = PathOf(app);
        if (!File.Exists(path))
        {
            return new AppDeployState();
        }

        if (new FileInfo(path).Length > MaxFileBytes)
        {
            LogUnreadable(logger, path, $"the file is larger than {MaxFileBytes} bytes");
            return new AppDeployState();
        }

        var (state, error) = DeployJson.Parse<AppDeployState>(File.ReadAllBytes(path));
        if (state is null)
        {
            LogUnreadable(logger, path, error!);
            return new AppDeployState();
        }

        var (clean, dropped) = Sanitize(state);
        foreach (var reason in dropped)
        {
            LogEntryDropped(logger, path, reason);
        }

        return clean;
    }

    /// <summary>Writes the state; refuses (a defect, not an input problem) a state that would not pass <see cref="Load"/>.</summary>
    public void Save(string app, AppDeployState state)
    {
        var (_, problems) = Sanitize(state);
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"refusing to write an invalid deploy state for app '{app}': {string.Join("; ", problems)}");
        }

        AtomicFile.WriteAllBytes(PathOf(app), DeployJson.Serialize(state));
    }

    /// <summary>The state with every bad entry reset, and a reason for each one reset.</summary>
    public static (AppDeployState State, IReadOnlyList<string> Dropped) Sanitize(AppDeployState state)
    {
        var dropped = new List<string>();
        if (state.Schema != 1)
        {
            return (new AppDeployState(), [$"schema {state.Schema} is not 1"]);
        }

        if (state.AppliedSequence is < 0 or > DesiredSequence.Max)
        {
            dropped.Add($"applied_sequence {state.AppliedSequence} is outside 0-{DesiredSequence.Max}");
            state = state with { AppliedSequence = 0, Revision = null, Commit = null, DeployedAt = null };
        }

        if (state.FailedSequence is < 0 or > DesiredSequence.Max)
        {
            dropped.Add($"failed_sequence {state.FailedSequence} is outside 0-{DesiredSequence.Max}");
            state = state with { FailedSequence = 0, FailedReason = null, FailedRejected = false };
        }

        if (state.Release is { } release && ReleaseId.Parse(release) is null)
        {
            dropped.Add($"release '{SafeText.Escape(release)}' is not a release id");
            state = state with { Release = null };
        }

        if (state.PreviousRelease is { } previous && ReleaseId.Parse(previous) is null)
        {
            dropped.Add($"previous_release '{SafeText.Escape(previous)}' is not a release id");
            state = state with { PreviousRelease = null };
        }

        if (state.Revision is { } revision && (revision.Length > 200 || !SafeText.IsPrintableAscii(revision)))
        {
            dropped.Add("revision is not a short printable string");
            state = state with { Revision = null };
        }

        if (state.Commit is { } commit && (commit.Length > 64 || !commit.All(char.IsAsciiLetterOrDigit)))
        {
            dropped.Add("commit is not a commit id or svn revision");
            state = state with { Commit = null };
        }

        if (state.FailedReason is { } failed && (failed.Length > 8000 || !SafeText.IsSafe(failed, allowNewlines: true)))
        {
            dropped.Add("failed_reason is not plain text");
            state = state with { FailedReason = null };
        }

        return (state, dropped);
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Deploy state {Path} is unreadable ({Error}); starting from scratch")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Warning, Message = "Deploy state {Path}: dropped an entry that does not pass validation: {Reason}")]
    private static partial void LogEntryDropped(ILogger logger, string path, string reason);
}

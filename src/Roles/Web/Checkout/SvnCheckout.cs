using System.Text;
using System.Xml;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// svn through Debian's client: <c>svn info</c> pins HEAD to a number, then <c>svn export -r N</c> writes the tree
/// (export never creates <c>.svn</c>); its files are then made read-only. With a base release, a delta instead:
/// <c>svn diff --summarize</c> between the two revisions names the changed paths, every other file of the base is
/// hard-linked (<see cref="SvnDelta"/>), and only the changed paths are exported. The password goes in on standard
/// input (<c>--password-from-stdin</c>), never on the command line; a private, empty config dir and
/// <c>--no-auth-cache</c> keep it out of ~/.subversion too.
/// </summary>
public sealed partial class SvnCheckout(AppConfig app, IProcessRunner processes, string scratchDir, ILogger logger) : ISourceCheckout
{
    public const string Program = "svn";

    /// <summary>Above this many changed paths one export of the whole tree is cheaper than one per path.</summary>
    public const int MaxDeltaPaths = 64;

    public async Task<ResolvedRevision> ResolveAsync(string? revision, CancellationToken cancellationToken)
    {
        var requested = revision ?? app.Repository.DefaultRef ?? "HEAD";
        var result = await RunAsync(["info", "--show-item", "revision", "-r", requested, app.Repository.Url], requested, cancellationToken);
        var number = result.StandardOutput.Trim();
        if (!long.TryParse(number, out _))
        {
            throw new InvalidOperationException($"svn info printed '{number}' instead of a revision number");
        }

        return new ResolvedRevision(requested, number, "r" + number);
    }

    public async Task<ReleaseBuild> ExportAsync(ResolvedRevision revision, string directory, ExportOptions options, CancellationToken cancellationToken)
    {
        string? declined = null;
        if (options.Base is { } from)
        {
            try
            {
                return await ExportDeltaAsync(revision, directory, options.Shared, from, cancellationToken);
            }
            catch (DeltaDeclinedException ex)
            {
                declined = ex.Message;
                LogDeltaDeclined(logger, app.Name, from.Id, ex.Message);
                ReleaseLayout.DeleteContents(directory);
            }
        }

        await ExportTreeAsync(revision, directory, cancellationToken);
        return ReleaseBuild.Full(ReleaseFiles.MakeReadOnly(directory), declined);
    }

    private async Task ExportTreeAsync(ResolvedRevision revision, string directory, CancellationToken cancellationToken)
    {
        // svn export wants to create the target itself (or --force into an existing one): export into a child, then
        // move its entries up, all inside the release dir.
        var target = Path.Combine(directory, ".svn-export");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await RunAsync(["export", "-r", revision.Id, app.Repository.Url, target], revision.Requested, cancellationToken);
        foreach (var entry in Directory.EnumerateFileSystemEntries(target))
        {
            var destination = Path.Combine(directory, Path.GetFileName(entry));
            if (Directory.Exists(entry) && !File.GetAttributes(entry).HasFlag(FileAttributes.ReparsePoint))
            {
                Directory.Move(entry, destination);
            }
            else
            {
                File.Move(entry, destination);
            }
        }

        Directory.Delete(target);
        LogExported(logger, app.Name, revision.Id, clock.ElapsedMilliseconds);
    }

    /// <summary>The delta: the changed paths from <c>svn diff --summarize</c>, the base's other files linked, the changed
    /// ones exported one by one (a few at a time) and made read-only and durable.</summary>
    private async Task<ReleaseBuild> ExportDeltaAsync(
        ResolvedRevision revision, string directory, IReadOnlyList<string> shared, ReleaseBase from, CancellationToken cancellationToken)
    {
        ProcessResult summary;
        try
        {
            summary = await RunAsync(["diff", "--summarize", "--xml", "-r", $"{from.Revision}:{revision.Id}", app.Repository.Url], revision.Requested, cancellationToken);
        }
        catch (Exception ex) when (ex is ProcessFailedException or RevisionNotFoundException)
        {
            throw new DeltaDeclinedException($"svn diff --summarize r{from.Revision}:r{revision.Id} failed: {FirstLine(ex.Message)}");
        }

        SvnDelta.Changes changes;
        try
        {
            changes = SvnDelta.ParseSummary(summary.StandardOutput, app.Repository.Url, MaxDeltaPaths);
        }
        catch (XmlException ex)
        {
            throw new DeltaDeclinedException($"svn diff --summarize printed unreadable XML: {ex.Message}");
        }

        var delta = SvnDelta.Link(from.Directory, directory, changes, shared, cancellationToken);
        var written = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(changes.Export, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (path, ct) =>
        {
            var target = Path.Combine(directory, path);
            delta.EnsureParents(path);
            await RunAsync(["export", "-r", revision.Id, SvnDelta.UrlOf(app.Repository.Url, path) + "@" + revision.Id, target], revision.Requested, ct);
            foreach (var file in delta.Collect(target))
            {
                written.Add(file);
            }
        });
        return new ReleaseBuild(ReleaseBuildMode.Delta, written.Count, delta.Linked, null, [.. written], delta.Directories);
    }

    private async Task<ProcessResult> RunAsync(IReadOnlyList<string> command, string revision, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(scratchDir);
        var configDir = Path.Combine(scratchDir, $"svn-config-{Guid.NewGuid():N}");
        Directory.CreateDirectory(configDir);
        try
        {
            var args = new List<string> { "--non-interactive", "--no-auth-cache", "--config-dir", configDir };
            Stream? input = null;
            if (app.Repository.Username is { } user)
            {
                args.AddRange(["--username", user]);
            }

            if (app.Repository.Password is { } password)
            {
                args.Add("--password-from-stdin");
                input = new MemoryStream(Encoding.UTF8.GetBytes(password.Reveal() + "\n"));
            }

            args.AddRange(command);
            try
            {
                return await processes.RunAsync(new ProcessSpec(Program, args) { StandardInput = input }, cancellationToken);
            }
            catch (ProcessFailedException ex) when (IsMissingRevision(ex.StandardErrorTail))
            {
                throw new RevisionNotFoundException(app.Name, revision, FirstLine(ex.StandardErrorTail));
            }
        }
        finally
        {
            Directory.Delete(configDir, recursive: true);
        }
    }

    /// <summary>E160006: no such revision; E195012: the path did not exist in that revision; E170000: bad URL/path in it.</summary>
    private static bool IsMissingRevision(string stderr)
        => stderr.Contains("E160006", StringComparison.Ordinal) || stderr.Contains("E195012", StringComparison.Ordinal)
           || stderr.Contains("E160013", StringComparison.Ordinal);

    private static string FirstLine(string text) => text.Trim().Split('\n')[0];

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "App {App}: svn export of r{Revision} took {ElapsedMs} ms")]
    private static partial void LogExported(ILogger logger, string app, string revision, long elapsedMs);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "App {App}: no delta from release {Base}: {Reason}; exporting the whole tree")]
    private static partial void LogDeltaDeclined(ILogger logger, string app, string @base, string reason);
}

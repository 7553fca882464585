using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// svn through Debian's client: <c>svn info</c> pins HEAD to a number, then <c>svn export -r N</c> writes the tree
/// (export never creates <c>.svn</c>). The password goes in on standard input (<c>--password-from-stdin</c>), never on
/// the command line; a private, empty config dir and <c>--no-auth-cache</c> keep it out of ~/.subversion too.
/// </summary>
public sealed partial class SvnCheckout(AppConfig app, IProcessRunner processes, string scratchDir, ILogger logger) : ISourceCheckout
{
    public const string Program = "svn";

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

    public async Task ExportAsync(ResolvedRevision revision, string directory, CancellationToken cancellationToken)
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
}

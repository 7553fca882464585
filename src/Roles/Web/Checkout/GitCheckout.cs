using LibGit2Sharp;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Releases;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// git through libgit2. Each app has a persistent bare mirror under the state dir; a deploy fetches only what is new
/// into it (and skips the fetch when an exact commit is already there), then writes the commit's tree into the release
/// dir straight from the mirror's objects (<see cref="GitReleaseWriter"/>: in parallel, read-only files, or a delta
/// from a base release), so the release gets no <c>.git</c>. A tree that needs checkout filters (<c>.gitattributes</c>)
/// is written by libgit2's own checkout through a throwaway index instead.
/// Callers serialise use of one app's mirror (the per-app deploy lock).
/// </summary>
public sealed partial class GitCheckout(AppConfig app, string mirrorPath, string scratchDir, ILogger logger) : ISourceCheckout
{
    private static readonly string[] RefSpecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

    /// <summary>
    /// libgit2 re-hashes every object it reads from the mirror by default (SHA-1 with collision detection); writing a
    /// release reads each blob up to three times through LibGit2Sharp's API, and that hashing was most of a cold
    /// deploy's checkout (docs/deploys.md#checkout). The objects were hashed when they were fetched (the indexer
    /// computes every object's id while it writes the pack), zlib checks each object's stream when it is inflated, and
    /// git itself does not re-hash on read either (only <c>git fsck</c> does); so the agent turns the re-hash off, once,
    /// for the process.
    /// </summary>
    static GitCheckout() => GlobalSettings.SetStrictHashVerification(false);

    public string MirrorPath { get; } = mirrorPath;

    public Task<ResolvedRevision> ResolveAsync(string? revision, CancellationToken cancellationToken)
        => Task.Run(() => Resolve(revision ?? app.Repository.DefaultRef ?? "main", cancellationToken), cancellationToken);

    public Task<ReleaseBuild> ExportAsync(ResolvedRevision revision, string directory, ExportOptions options, CancellationToken cancellationToken)
        => Task.Run(() => Export(revision, directory, options, cancellationToken), cancellationToken);

    private ResolvedRevision Resolve(string revision, CancellationToken cancellationToken)
    {
        using var repo = OpenMirror();
        var exact = revision.Length == 40 && RevisionSyntax.IsCommitId(revision);
        if (!(exact && repo.ObjectDatabase.Contains(new ObjectId(revision))))
        {
            Fetch(repo, cancellationToken);
        }
        else
        {
            LogFetchSkipped(logger, app.Name, revision);
        }

        var commit = Find(repo, revision)
            ?? throw new RevisionNotFoundException(app.Name, revision, "no branch, tag or commit of that name after fetching");
        return new ResolvedRevision(revision, commit.Sha, commit.Sha[..12]);
    }

    private ReleaseBuild Export(ResolvedRevision revision, string directory, ExportOptions options, CancellationToken cancellationToken)
    {
        string? declined = null;
        if (options.Base is { } from)
        {
            try
            {
                return GitReleaseWriter.Write(MirrorPath, revision.Id, directory, options.Shared, from, cancellationToken);
            }
            catch (DeltaDeclinedException ex)
            {
                declined = ex.Message;
            }
            catch (CheckoutFiltersException ex)
            {
                declined = ex.Message;
            }

            LogDeltaDeclined(logger, app.Name, from.Id, declined);
            ReleaseLayout.DeleteContents(directory);
        }

        try
        {
            return GitReleaseWriter.Write(MirrorPath, revision.Id, directory, options.Shared, null, cancellationToken) with { FallbackReason = declined };
        }
        catch (CheckoutFiltersException ex)
        {
            ReleaseLayout.DeleteContents(directory);
            LogFilteredCheckout(logger, app.Name, ex.Message);
            var written = Checkout(revision, directory, cancellationToken);
            return ReleaseBuild.Full(written, declined) with { Filtered = true };
        }
    }

    /// <summary>libgit2's checkout through a throwaway index (it applies .gitattributes filters); the files are then
    /// made read-only like every release file. Returns the number of files written.</summary>
    private int Checkout(ResolvedRevision revision, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(scratchDir);
        var index = Path.Combine(scratchDir, $"{app.Name}-{Guid.NewGuid():N}.index");
        try
        {
            using var repo = new Repository(MirrorPath, new RepositoryOptions { WorkingDirectoryPath = directory, IndexPath = index });
            cancellationToken.ThrowIfCancellationRequested();
            repo.CheckoutPaths(revision.Id, ["*"], new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        }
        finally
        {
            File.Delete(index);
        }

        if (Directory.Exists(Path.Combine(directory, ".git")) || File.Exists(Path.Combine(directory, ".git")))
        {
            throw new InvalidOperationException($"checkout of {revision.Id} left a .git in {directory}");
        }

        return ReleaseFiles.MakeReadOnly(directory);
    }

    private Repository OpenMirror()
    {
        if (Directory.Exists(MirrorPath))
        {
            RemoveStaleLocks();
            if (!Repository.IsValid(MirrorPath))
            {
                LogMirrorRebuilt(logger, app.Name, MirrorPath);
                Directory.Delete(MirrorPath, recursive: true);
            }
        }

        if (!Directory.Exists(MirrorPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(MirrorPath)!);
            Repository.Init(MirrorPath, isBare: true);
        }

        var repo = new Repository(MirrorPath);
        var origin = repo.Network.Remotes["origin"];
        if (origin is null)
        {
            repo.Network.Remotes.Add("origin", app.Repository.Url, RefSpecs[0]);
        }
        else if (origin.Url != app.Repository.Url)
        {
            repo.Network.Remotes.Update("origin", r => r.Url = app.Repository.Url);
        }

        return repo;
    }

    /// <summary>A kill -9 during a fetch can leave lock files; only this agent (holding the deploy lock) uses the mirror.</summary>
    private void RemoveStaleLocks()
    {
        foreach (var file in Directory.EnumerateFiles(MirrorPath, "*.lock", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }
    }

    private void Fetch(Repository repo, CancellationToken cancellationToken)
    {
        var options = new FetchOptions
        {
            Prune = true,
            TagFetchMode = TagFetchMode.All,
            OnTransferProgress = _ => !cancellationToken.IsCancellationRequested,
        };
        if (app.Repository.Username is { } user)
        {
            var password = app.Repository.Password;
            options.CredentialsProvider = (_, _, _) => new UsernamePasswordCredentials
            {
                Username = user,
                Password = password?.Reveal() ?? string.Empty,
            };
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Commands.Fetch(repo, "origin", RefSpecs, options, "nodeagent fetch");
        }
        catch (LibGit2SharpException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        LogFetched(logger, app.Name, clock.ElapsedMilliseconds);
    }

    private static Commit? Find(Repository repo, string revision)
    {
        string[] candidates = revision.StartsWith("refs/", StringComparison.Ordinal)
            ? [revision]
            : [$"refs/heads/{revision}", $"refs/tags/{revision}"];
        foreach (var name in candidates)
        {
            if (repo.Refs[name] is { } reference && reference.ResolveToDirectReference()?.Target is { } target)
            {
                return PeelToCommit(target);
            }
        }

        if (RevisionSyntax.IsCommitId(revision))
        {
            try
            {
                return repo.Lookup(revision) is { } found ? PeelToCommit(found) : null;
            }
            catch (AmbiguousSpecificationException)
            {
                return null;
            }
        }

        return null;
    }

    private static Commit? PeelToCommit(GitObject target)
    {
        try
        {
            return target.Peel<Commit>();
        }
        catch (LibGit2SharpException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "App {App}: fetched into the mirror in {ElapsedMs} ms")]
    private static partial void LogFetched(ILogger logger, string app, long elapsedMs);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "App {App}: commit {Commit} is already in the mirror; no fetch")]
    private static partial void LogFetchSkipped(ILogger logger, string app, string commit);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "App {App}: mirror {Path} is not a valid repository; rebuilding it")]
    private static partial void LogMirrorRebuilt(ILogger logger, string app, string path);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "App {App}: no delta from release {Base}: {Reason}; writing every file")]
    private static partial void LogDeltaDeclined(ILogger logger, string app, string @base, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Information, Message = "App {App}: {Reason}; libgit2's checkout writes the release (filters apply)")]
    private static partial void LogFilteredCheckout(ILogger logger, string app, string reason);
}

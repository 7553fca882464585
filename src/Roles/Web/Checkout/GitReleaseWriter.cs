using System.Runtime.InteropServices;
using LibGit2Sharp;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// Writes one commit's tree into an empty release directory, straight from the mirror's object database: every blob as
/// a new read-only file (full), or — given a base release built from another commit of the same repository — only the
/// blobs that differ between the two trees, with every unchanged file hard-linked from the base (delta).
/// <para>
/// The tree is walked once, directories are created as it goes (<c>mkdir(2)</c>, so nothing already there is reused),
/// and the files are written or linked by a few workers in parallel, each reading blobs through its own handle on the
/// mirror. Entry names are checked (no <c>.</c>, <c>..</c>, <c>.git</c>, slashes or duplicates), so a hostile tree
/// cannot write outside the release. Paths at or under a shared path are skipped: the shared links replace them.
/// </para>
/// <para>
/// Files are written as their blobs' bytes. A tree with <c>.gitattributes</c>, or a repository whose settings convert
/// files on checkout, is refused with <see cref="CheckoutFiltersException"/>: the caller lets libgit2's own checkout,
/// which applies those filters, write the release instead.
/// </para>
/// <para>
/// A delta is declined — the caller writes the release in full instead — on any doubt: the base commit is not in the
/// mirror, <c>.gitattributes</c> changed, or a base file is not what the commit says it is (missing, not a regular file,
/// writable, a different size or executable bit, on another file system).
/// </para>
/// </summary>
internal static class GitReleaseWriter
{
    /// <summary>Workers writing and linking files; the tree walk runs before them.</summary>
    public static int Parallelism { get; } = Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>Builds <paramref name="directory"/> (which exists and is empty) from <paramref name="commitId"/>: a delta
    /// from <paramref name="baseRelease"/> when given, else in full. Throws <see cref="DeltaDeclinedException"/> when
    /// the delta is unsound and <see cref="CheckoutFiltersException"/> when the files need checkout filters; either may
    /// come after the directory was partly built, which the caller then empties.</summary>
    public static ReleaseBuild Write(
        string mirrorPath, string commitId, string directory, IReadOnlyList<string> shared, ReleaseBase? baseRelease, CancellationToken cancellationToken)
    {
        using var repo = new Repository(mirrorPath);
        var commit = repo.Lookup<Commit>(commitId) ?? throw new InvalidOperationException($"commit {commitId} is not in the mirror");
        if (FilterSettings(repo) is { } filters)
        {
            throw new CheckoutFiltersException(filters);
        }

        var changed = baseRelease is null ? null : Changes(repo, baseRelease, commit);
        var plan = new Plan(repo, directory, baseRelease?.Directory, changed, shared);
        plan.Walk(commit.Tree, string.Empty, directory, cancellationToken);
        Run(mirrorPath, plan, cancellationToken);
        return changed is null
            ? ReleaseBuild.Full(plan.Written.Count + plan.Symlinks, null)
            : new ReleaseBuild(ReleaseBuildMode.Delta, plan.Written.Count + plan.Symlinks, plan.Linked.Count, null,
                plan.Written.Select(w => w.Path).ToList(), plan.Directories);
    }

    /// <summary>The paths that differ between the base commit's tree and the new one (no rename detection: a rename is
    /// a delete and an add).</summary>
    private static HashSet<string> Changes(Repository repo, ReleaseBase baseRelease, Commit commit)
    {
        if (!RevisionSyntax.IsCommitId(baseRelease.Revision) || repo.Lookup<Commit>(baseRelease.Revision) is not { } baseCommit)
        {
            throw new DeltaDeclinedException($"the base release's commit {baseRelease.Revision} is not in the mirror");
        }

        var changes = repo.Diff.Compare<TreeChanges>(baseCommit.Tree, commit.Tree, new CompareOptions
        {
            Similarity = SimilarityOptions.None,
            IncludeUnmodified = false,
        });
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            foreach (var path in new[] { change.Path, change.OldPath })
            {
                if (path is null)
                {
                    continue;
                }

                if (Path.GetFileName(path) == ".gitattributes")
                {
                    throw new CheckoutFiltersException(".gitattributes changed between the two commits");
                }

                changed.Add(path);
            }
        }

        return changed;
    }

    /// <summary>Repository settings under which libgit2 would convert files on checkout; null when there are none.</summary>
    private static string? FilterSettings(Repository repo)
    {
        foreach (var key in new[] { "core.autocrlf", "core.eol", "core.safecrlf" })
        {
            if (repo.Config.Get<string>(key) is { Value: { } value } && value is not ("false" or "lf" or "input"))
            {
                return $"git config {key}={value}";
            }
        }

        return repo.Config.Any(e => e.Key.StartsWith("filter.", StringComparison.Ordinal)) ? "git config has filter drivers" : null;
    }

    private static void Run(string mirrorPath, Plan plan, CancellationToken cancellationToken)
    {
        try
        {
            RunParallel(mirrorPath, plan, cancellationToken);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            // The first worker's failure, as itself (a declined delta, an I/O error), not wrapped.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(
                ex.InnerExceptions.FirstOrDefault(e => e is DeltaDeclinedException) ?? ex.InnerExceptions[0]).Throw();
        }
    }

    private static void RunParallel(string mirrorPath, Plan plan, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
        if (plan.Linked.Count > 0)
        {
            Parallel.ForEach(plan.Linked, options, Link);
        }

        if (plan.Written.Count == 0)
        {
            return;
        }

        // Each worker reads blobs through its own repository handle: libgit2 objects are not shared between threads.
        // Work is handed out a directory at a time, so two workers never create files in one directory at once: they
        // would queue on its inode lock (perf showed the kernel spinning on it), where tar, one file after the other,
        // never waits.
        Parallel.ForEach(
            plan.Written.GroupBy(f => Path.GetDirectoryName(f.Path), StringComparer.Ordinal),
            options,
            () => new Repository(mirrorPath),
            (directory, _, repo) =>
            {
                foreach (var file in directory)
                {
                    WriteBlob(repo, file);
                }

                return repo;
            },
            repo => repo.Dispose());
    }

    private static unsafe void WriteBlob(Repository repo, FileJob file)
    {
        var blob = repo.Lookup<Blob>(file.Blob) ?? throw new InvalidOperationException($"blob {file.Blob} of {file.RelativePath} is not in the mirror");
        using var content = blob.GetContentStream();
        if (content is UnmanagedMemoryStream raw)
        {
            ReleaseFiles.WriteNewFile(file.Path, new ReadOnlySpan<byte>(raw.PositionPointer, checked((int)raw.Length)), file.Executable);
            return;
        }

        using var copy = new MemoryStream();
        content.CopyTo(copy);
        ReleaseFiles.WriteNewFile(file.Path, copy.GetBuffer().AsSpan(0, (int)copy.Length), file.Executable);
    }

    private static void Link(LinkJob link)
    {
        var status = ReleaseFiles.Stat(link.From);
        var reason = status switch
        {
            { Kind: ReleaseFiles.FileKind.Missing } => "is missing",
            { Kind: not ReleaseFiles.FileKind.Regular } => $"is a {status.Kind.ToString().ToLowerInvariant()}, not a file",
            _ when !ReleaseFiles.IsReadOnly(status.Mode) => "is writable (a release built before releases were read-only)",
            _ when ((status.Mode & UnixFileMode.UserExecute) != 0) != link.Executable => "has another executable bit than the commit",
            _ when status.Size != link.Size => $"is {status.Size} bytes, the commit's blob {link.Size}",
            _ => null,
        };
        if (reason is null)
        {
            var errno = ReleaseFiles.TryLink(link.From, link.To);
            reason = errno == 0 ? null : $"cannot be hard-linked: {Marshal.GetPInvokeErrorMessage(errno)}";
        }

        if (reason is not null)
        {
            throw new DeltaDeclinedException($"base file {link.RelativePath} {reason}");
        }
    }

    private sealed record FileJob(string RelativePath, string Path, ObjectId Blob, bool Executable);

    private sealed record LinkJob(string RelativePath, string From, string To, bool Executable, long Size);

    /// <summary>The walk of the new tree: directories created on the way, files to write, files to link.</summary>
    private sealed class Plan(Repository repo, string root, string? baseRoot, HashSet<string>? changed, IReadOnlyList<string> shared)
    {
        private readonly HashSet<string> _shared = shared.Select(s => s.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);

        public List<FileJob> Written { get; } = [];

        public List<LinkJob> Linked { get; } = [];

        public List<string> Directories { get; } = [root];

        public int Symlinks { get; private set; }

        public void Walk(Tree tree, string relative, string directory, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (baseRoot is not null && relative.Length > 0)
            {
                // A directory on the way to linked files must be a real directory in the base, never a symlink.
                var status = ReleaseFiles.Stat(Path.Combine(baseRoot, relative));
                if (status.Kind is not (ReleaseFiles.FileKind.Directory or ReleaseFiles.FileKind.Missing))
                {
                    throw new DeltaDeclinedException($"base path {relative} is a {status.Kind.ToString().ToLowerInvariant()}, not a directory");
                }
            }

            foreach (var entry in tree)
            {
                var name = entry.Name;
                if (!IsSafeName(name) || !names.Add(name))
                {
                    throw new InvalidDataException($"tree {tree.Sha} has an entry named '{name}' that cannot be checked out safely");
                }

                var path = relative.Length == 0 ? name : relative + "/" + name;
                if (_shared.Contains(path))
                {
                    continue;
                }

                var target = Path.Combine(directory, name);
                switch (entry.Mode)
                {
                    case Mode.Directory:
                        ReleaseFiles.CreateDirectory(target);
                        Directories.Add(target);
                        Walk((Tree)entry.Target, path, target, cancellationToken);
                        break;
                    case Mode.NonExecutableFile or Mode.NonExecutableGroupWritableFile or Mode.ExecutableFile:
                        if (name == ".gitattributes")
                        {
                            throw new CheckoutFiltersException($"the tree has {path}");
                        }

                        var executable = entry.Mode == Mode.ExecutableFile;
                        if (changed is null || changed.Contains(path))
                        {
                            Written.Add(new FileJob(path, target, entry.Target.Id, executable));
                        }
                        else
                        {
                            Linked.Add(new LinkJob(path, Path.Combine(baseRoot!, path), target, executable,
                                repo.ObjectDatabase.RetrieveObjectMetadata(entry.Target.Id).Size));
                        }

                        break;
                    case Mode.SymbolicLink:
                        // A symlink's blob is its target; written anew either way (it is a few bytes).
                        File.CreateSymbolicLink(target, ((Blob)entry.Target).GetContentText());
                        Symlinks++;
                        break;
                    case Mode.GitLink:
                        // A submodule: not followed; an empty directory stands in its place, as a checkout leaves it.
                        ReleaseFiles.CreateDirectory(target);
                        Directories.Add(target);
                        break;
                    default:
                        throw new InvalidDataException($"tree {tree.Sha} has entry '{path}' of unknown mode {entry.Mode}");
                }
            }
        }

        private static bool IsSafeName(string name)
            => name.Length > 0 && name is not ("." or "..") && !name.Equals(".git", StringComparison.OrdinalIgnoreCase)
               && name.IndexOfAny(['/', '\0']) < 0;
    }
}

/// <summary>A delta release turned out unsound while it was being built; the release is written in full instead.</summary>
public sealed class DeltaDeclinedException(string reason) : Exception(reason);

/// <summary>The release's files need git's checkout filters (<c>.gitattributes</c>, <c>core.autocrlf</c>…): libgit2's
/// checkout writes it instead of the blob writer.</summary>
public sealed class CheckoutFiltersException(string reason) : Exception(reason);

using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// One app's directories: <c>&lt;root&gt;/&lt;app&gt;/releases/&lt;id&gt;</c>, <c>shared/</c> and the <c>current</c>
/// symlink. A release being built has a <c>&lt;id&gt;.partial</c> marker beside it, created before the directory and
/// removed only once the release is complete, so any release directory without a marker is complete — and
/// <c>current</c> is only ever switched to such a one.
/// </summary>
public sealed class ReleaseLayout(string root, string app)
{
    public const string PartialSuffix = ".partial";
    public const string TempLinkPrefix = ".current.tmp-";
    public const string DeletingPrefix = ".deleting-";

    /// <summary>A delta that wrote more files than this is flushed with one syncfs instead of one fsync per file.</summary>
    public const int MaxDeltaFsyncs = 256;

    public string App { get; } = app;

    public string AppDir { get; } = Path.Combine(root, app);

    public string ReleasesDir => Path.Combine(AppDir, "releases");

    public string SharedDir => Path.Combine(AppDir, "shared");

    public string CurrentLink => Path.Combine(AppDir, "current");

    public string ReleaseDir(string id) => Path.Combine(ReleasesDir, id);

    public string PartialMarker(string id) => Path.Combine(ReleasesDir, id + PartialSuffix);

    /// <summary>The release <c>current</c> points to, or null when there is none (or it points somewhere unexpected).</summary>
    public ReleaseId? Current()
    {
        var info = new FileInfo(CurrentLink);
        if (info.LinkTarget is not { } target)
        {
            return null;
        }

        var id = ReleaseId.Parse(Path.GetFileName(target.TrimEnd('/')));
        return id is not null && Directory.Exists(ReleaseDir(id.Value)) ? id : null;
    }

    /// <summary>Complete releases, oldest first.</summary>
    public IReadOnlyList<ReleaseId> List()
    {
        if (!Directory.Exists(ReleasesDir))
        {
            return [];
        }

        return Directory.EnumerateDirectories(ReleasesDir)
            .Select(d => ReleaseId.Parse(Path.GetFileName(d)))
            .OfType<ReleaseId>()
            .Where(id => !File.Exists(PartialMarker(id.Value)))
            .OrderBy(id => id.Value, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Creates the partial marker (durably), then the empty release directory.</summary>
    public string Begin(ReleaseId id)
    {
        Directory.CreateDirectory(ReleasesDir);
        using (var marker = new FileStream(PartialMarker(id.Value), FileMode.CreateNew, FileAccess.Write))
        {
            marker.Flush(flushToDisk: true);
        }

        Posix.FsyncDirectory(ReleasesDir);
        var dir = ReleaseDir(id.Value);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Flushes the release's files to disk with one <c>syncfs(2)</c>, then removes its partial marker
    /// (durably): the release is complete.</summary>
    public void Complete(ReleaseId id) => Complete(id, null, CancellationToken.None);

    /// <summary>
    /// Makes the release durable, then removes its partial marker (durably): the release is complete. A delta build
    /// fsyncs only what is new: the files it wrote, and every directory of the release (they hold the new links and
    /// names) with <paramref name="extraDirectories"/> (where shared links were put) — the linked files' data was made
    /// durable with the release they came from. A full build, or a delta that wrote more than
    /// <see cref="MaxDeltaFsyncs"/> files, flushes the file system once with <c>syncfs(2)</c> instead: one flush is
    /// cheaper than thousands of fsyncs, and it reports write-back errors (Linux 5.8 and later).
    /// </summary>
    public void Complete(ReleaseId id, ReleaseBuild? build, CancellationToken cancellationToken, IReadOnlyList<string>? extraDirectories = null)
    {
        if (build is { Mode: ReleaseBuildMode.Delta } && build.NewFiles.Count <= MaxDeltaFsyncs)
        {
            ReleaseFiles.Fsync([.. build.NewFiles, .. build.Directories.Union(extraDirectories ?? [], StringComparer.Ordinal)], cancellationToken);
        }
        else
        {
            ReleaseFiles.SyncFileSystem(ReleaseDir(id.Value));
        }

        File.Delete(PartialMarker(id.Value));
        Posix.FsyncDirectory(ReleasesDir);
    }

    /// <summary>
    /// Points <c>current</c> at <paramref name="id"/> atomically: a uniquely named temp symlink renamed over
    /// <c>current</c> with rename(2) (never <c>ln -sfn</c>, which unlinks first), then an fsync of the app dir.
    /// </summary>
    public void Switch(ReleaseId id)
    {
        if (!Directory.Exists(ReleaseDir(id.Value)) || File.Exists(PartialMarker(id.Value)))
        {
            throw new InvalidOperationException($"release {id} of app {App} is not a complete release");
        }

        if (Directory.Exists(CurrentLink) && new DirectoryInfo(CurrentLink).LinkTarget is null)
        {
            throw new IOException($"{CurrentLink} is a real directory, not a symlink; move it away so releases can be switched");
        }

        var temp = Path.Combine(AppDir, TempLinkPrefix + Guid.NewGuid().ToString("N"));
        File.CreateSymbolicLink(temp, Path.Combine("releases", id.Value));
        try
        {
            Posix.Rename(temp, CurrentLink);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        Posix.FsyncDirectory(AppDir);
    }

    /// <summary>Removes a release: renamed aside first, so a crash mid-delete leaves an obviously dead name.</summary>
    public void Delete(ReleaseId id)
    {
        var dir = ReleaseDir(id.Value);
        if (!Directory.Exists(dir))
        {
            File.Delete(PartialMarker(id.Value));
            File.Delete(ReleaseSource.PathOf(this, id.Value));
            return;
        }

        var aside = Path.Combine(ReleasesDir, DeletingPrefix + id.Value + "-" + Guid.NewGuid().ToString("N")[..8]);
        Posix.Rename(dir, aside);
        File.Delete(PartialMarker(id.Value));
        File.Delete(ReleaseSource.PathOf(this, id.Value));
        Posix.FsyncDirectory(ReleasesDir);
        DeleteTree(aside);
    }

    /// <summary>
    /// Deletes a directory tree without following symlinks (shared links point outside the release). A file
    /// hard-linked into other releases only loses this name: its data stays for them (the file system frees it with
    /// its last link).
    /// </summary>
    public static void DeleteTree(string path)
    {
        DeleteContents(path);
        Directory.Delete(path);
    }

    /// <summary>Empties a directory without following symlinks (a release build that starts over).</summary>
    public static void DeleteContents(string path)
    {
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null || entry is FileInfo)
            {
                entry.Delete();
            }
            else
            {
                DeleteTree(entry.FullName);
            }
        }
    }
}

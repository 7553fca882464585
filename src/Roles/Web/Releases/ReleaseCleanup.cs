using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// After a crash (kill -9 at any moment): removes half-made releases (those with a partial marker), temp symlinks
/// left by an interrupted switch, and releases caught mid-delete. <c>current</c> is never touched: it only ever points
/// to a complete release.
/// </summary>
public static class ReleaseCleanup
{
    /// <summary>Returns the paths removed.</summary>
    public static IReadOnlyList<string> Run(ReleaseLayout layout)
    {
        var removed = new List<string>();
        if (Directory.Exists(layout.AppDir))
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(layout.AppDir, ReleaseLayout.TempLinkPrefix + "*"))
            {
                File.Delete(link);
                removed.Add(link);
            }
        }

        if (!Directory.Exists(layout.ReleasesDir))
        {
            return removed;
        }

        var current = layout.Current()?.Value;
        foreach (var marker in Directory.EnumerateFiles(layout.ReleasesDir, "*" + ReleaseLayout.PartialSuffix))
        {
            var id = Path.GetFileName(marker)[..^ReleaseLayout.PartialSuffix.Length];
            var dir = layout.ReleaseDir(id);
            if (id == current)
            {
                continue;
            }

            if (Directory.Exists(dir))
            {
                ReleaseLayout.DeleteTree(dir);
                removed.Add(dir);
            }

            File.Delete(marker);
            removed.Add(marker);
        }

        foreach (var dir in Directory.EnumerateDirectories(layout.ReleasesDir, ReleaseLayout.DeletingPrefix + "*"))
        {
            ReleaseLayout.DeleteTree(dir);
            removed.Add(dir);
        }

        // Source records whose release is gone (a crash between the two removals), and their interrupted temp files.
        foreach (var file in Directory.EnumerateFiles(layout.ReleasesDir))
        {
            var name = Path.GetFileName(file);
            var orphan = name.EndsWith(ReleaseSource.Suffix, StringComparison.Ordinal)
                         && !Directory.Exists(layout.ReleaseDir(name[..^ReleaseSource.Suffix.Length]));
            if (orphan || (AtomicFile.IsTempName(name) && name.Contains(ReleaseSource.Suffix + ".tmp-", StringComparison.Ordinal)))
            {
                File.Delete(file);
                removed.Add(file);
            }
        }

        return removed;
    }
}

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// Links <c>&lt;root&gt;/&lt;app&gt;/shared/&lt;path&gt;</c> into a release at the same relative path, replacing whatever
/// the checkout put there. A missing shared entry is created as a directory (create a file there yourself to share a
/// file). A symlink inside the release on the way to the path is refused: it could point the link outside the release.
/// </summary>
public static class SharedLinks
{
    /// <summary>Links every shared path in; returns the release's directories that got a link (or were created on the
    /// way to one), whose entries must be made durable.</summary>
    public static IReadOnlyList<string> Apply(ReleaseLayout layout, string releaseDir, IReadOnlyList<string> shared)
    {
        var touched = new List<string>();
        foreach (var path in shared)
        {
            var source = Path.Combine(layout.SharedDir, path);
            if (!File.Exists(source) && !Directory.Exists(source))
            {
                Directory.CreateDirectory(source);
            }

            var target = Path.Combine(releaseDir, path);
            var parent = releaseDir;
            foreach (var part in path.Split('/')[..^1])
            {
                parent = Path.Combine(parent, part);
                if (new FileInfo(parent).LinkTarget is not null)
                {
                    throw new InvalidOperationException($"shared path '{path}': '{Path.GetRelativePath(releaseDir, parent)}' is a symlink in the release");
                }

                if (File.Exists(parent))
                {
                    throw new InvalidOperationException($"shared path '{path}': '{Path.GetRelativePath(releaseDir, parent)}' is a file in the release");
                }

                if (!Directory.Exists(parent))
                {
                    Directory.CreateDirectory(parent);
                    touched.Add(Path.GetDirectoryName(parent)!);
                }
            }

            var existing = new FileInfo(target);
            if (existing.LinkTarget is not null || existing.Exists)
            {
                existing.Delete();
            }
            else if (Directory.Exists(target))
            {
                ReleaseLayout.DeleteTree(target);
            }

            File.CreateSymbolicLink(target, source);
            touched.Add(Path.GetDirectoryName(target)!);
        }

        return touched;
    }
}

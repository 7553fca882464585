using System.Xml;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>
/// The svn side of a delta release. <see cref="ParseSummary"/> reads <c>svn diff --summarize --xml</c> between the base
/// release's revision and the new one; <see cref="Link"/> rebuilds the base's tree in the new release dir — directories
/// made, files hard-linked, symlinks (<c>svn:special</c>) copied — leaving out every changed, added or deleted path,
/// which the caller then exports one by one. Any doubt declines the delta (<see cref="DeltaDeclinedException"/>): a
/// path outside the app's URL or with an unsafe name, a directory whose properties changed (<c>svn:externals</c>…),
/// too many changes, or a base entry that is not a read-only file, a directory or a symlink.
/// </summary>
internal sealed class SvnDelta
{
    private readonly Lock _lock = new();
    private readonly string _root;
    private readonly List<string> _directories;

    private SvnDelta(string root)
    {
        _root = root;
        _directories = [root];
    }

    /// <summary>Files hard-linked from the base.</summary>
    public int Linked { get; private set; }

    /// <summary>Every directory of the new release (to fsync).</summary>
    public IReadOnlyList<string> Directories
    {
        get
        {
            lock (_lock)
            {
                return [.. _directories];
            }
        }
    }

    /// <summary>The changed paths, relative to the app's URL.</summary>
    /// <param name="Excluded">Not taken from the base: deleted, changed or re-exported (a directory with its subtree).</param>
    /// <param name="Export">Exported from the new revision: files, and added directories with their subtree.</param>
    public sealed record Changes(IReadOnlySet<string> Excluded, IReadOnlyList<string> Export);

    public static Changes ParseSummary(string xml, string appUrl, int maxPaths)
    {
        var prefix = Uri.UnescapeDataString(appUrl).TrimEnd('/') + "/";
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        var export = new List<string>();
        using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        var count = 0;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Name != "path")
            {
                continue;
            }

            var item = reader.GetAttribute("item");
            var props = reader.GetAttribute("props");
            var kind = reader.GetAttribute("kind");
            var url = Uri.UnescapeDataString(reader.ReadElementContentAsString());
            if (++count > maxPaths)
            {
                throw new DeltaDeclinedException($"more than {maxPaths} paths changed");
            }

            if (!url.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new DeltaDeclinedException($"changed path {url} is not under the app's URL");
            }

            var path = url[prefix.Length..].TrimEnd('/');
            if (path.Length == 0 || path.Split('/').Any(part => part is "" or "." or ".." || part.Equals(".svn", StringComparison.OrdinalIgnoreCase) || part.Contains('\0')))
            {
                throw new DeltaDeclinedException($"changed path '{path}' cannot be used safely");
            }

            switch (kind, item, props)
            {
                case (_, "deleted", _):
                    excluded.Add(path);
                    break;
                case ("dir", "added" or "replaced", _):
                    excluded.Add(path);
                    export.Add(path);
                    break;
                case ("dir", _, _) when item != "none" || props != "none":
                    throw new DeltaDeclinedException($"the properties of directory {path} changed");
                case ("file", "added" or "replaced" or "modified", _) or ("file", _, "modified"):
                    excluded.Add(path);
                    export.Add(path);
                    break;
                case (_, "none", "none"):
                    break;
                default:
                    throw new DeltaDeclinedException($"unexpected change '{item}/{props}' of {kind} {path}");
            }
        }

        // An added directory is exported with its subtree: its listed children need no export of their own.
        var exportDirs = export.ToHashSet(StringComparer.Ordinal);
        var exports = export.Where(p => !Ancestors(p).Any(exportDirs.Contains)).Distinct(StringComparer.Ordinal).ToList();
        return new Changes(excluded, exports);
    }

    /// <summary>Rebuilds the base release's tree in <paramref name="directory"/>, leaving out the changed and shared paths.</summary>
    public static SvnDelta Link(string baseDirectory, string directory, Changes changes, IReadOnlyList<string> shared, CancellationToken cancellationToken)
    {
        var delta = new SvnDelta(directory);
        var skip = new HashSet<string>(changes.Excluded, StringComparer.Ordinal);
        skip.UnionWith(shared.Select(s => s.TrimEnd('/')));
        delta.LinkTree(baseDirectory, directory, string.Empty, skip, cancellationToken);
        return delta;
    }

    /// <summary>Creates the missing directories on the way to <paramref name="path"/> in the new release.</summary>
    public void EnsureParents(string path)
    {
        lock (_lock)
        {
            var current = _root;
            foreach (var part in path.Split('/')[..^1])
            {
                current = Path.Combine(current, part);
                switch (ReleaseFiles.Stat(current).Kind)
                {
                    case ReleaseFiles.FileKind.Missing:
                        ReleaseFiles.CreateDirectory(current);
                        _directories.Add(current);
                        break;
                    case ReleaseFiles.FileKind.Directory:
                        break;
                    default:
                        throw new DeltaDeclinedException($"'{Path.GetRelativePath(_root, current)}' is not a directory in the new release");
                }
            }
        }
    }

    /// <summary>Makes what an export wrote read-only; returns its regular files (to fsync) and records its directories.</summary>
    public IReadOnlyList<string> Collect(string exported)
    {
        var files = new List<string>();
        var directories = new List<string>();
        Visit(exported);
        lock (_lock)
        {
            _directories.AddRange(directories);
        }

        return files;

        void Visit(string path)
        {
            var status = ReleaseFiles.Stat(path);
            switch (status.Kind)
            {
                case ReleaseFiles.FileKind.Regular:
                    ReleaseFiles.ClearWriteBits(path, status.Mode);
                    files.Add(path);
                    break;
                case ReleaseFiles.FileKind.Directory:
                    directories.Add(path);
                    foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                    {
                        Visit(entry);
                    }

                    break;
            }
        }
    }

    /// <summary>A svn URL of <paramref name="path"/> under the app's URL, each segment escaped.</summary>
    public static string UrlOf(string appUrl, string path)
        => appUrl.TrimEnd('/') + "/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    private void LinkTree(string from, string to, string relative, HashSet<string> skip, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var name = Path.GetFileName(entry);
            var path = relative.Length == 0 ? name : relative + "/" + name;
            if (skip.Contains(path))
            {
                continue;
            }

            var target = Path.Combine(to, name);
            var status = ReleaseFiles.Stat(entry);
            switch (status.Kind)
            {
                case ReleaseFiles.FileKind.Directory:
                    ReleaseFiles.CreateDirectory(target);
                    _directories.Add(target);
                    LinkTree(entry, target, path, skip, cancellationToken);
                    break;
                case ReleaseFiles.FileKind.Regular when ReleaseFiles.IsReadOnly(status.Mode):
                    var errno = ReleaseFiles.TryLink(entry, target);
                    if (errno != 0)
                    {
                        throw new DeltaDeclinedException($"base file {path} cannot be hard-linked: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)}");
                    }

                    Linked++;
                    break;
                case ReleaseFiles.FileKind.Symlink:
                    File.CreateSymbolicLink(target, new FileInfo(entry).LinkTarget!);
                    break;
                case ReleaseFiles.FileKind.Regular:
                    throw new DeltaDeclinedException($"base file {path} is writable (a release built before releases were read-only)");
                default:
                    throw new DeltaDeclinedException($"base path {path} is a {status.Kind.ToString().ToLowerInvariant()}");
            }
        }
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        for (var i = path.LastIndexOf('/'); i > 0; i = path.LastIndexOf('/', i - 1))
        {
            yield return path[..i];
        }
    }
}

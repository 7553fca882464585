namespace NodeAgent.FileSystem;

/// <summary>
/// Replaces a file all at once: the content goes to a unique temp file in the same directory, is fsynced, renamed over
/// the target, and the directory is fsynced. A crash leaves either the old or the new file, never a torn one.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string content)
        => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var (full, temp) = Prepare(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, full);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var (full, temp) = Prepare(path);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            Commit(temp, full);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Temp files are named <c>.&lt;name&gt;.tmp-&lt;random&gt;</c>; <see cref="IsTempName"/> recognises leftovers.</summary>
    public static string TempName(string target)
        => Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");

    public static bool IsTempName(string fileName) => fileName.StartsWith('.') && fileName.Contains(".tmp-", StringComparison.Ordinal);

    private static (string Full, string Temp) Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return (full, TempName(full));
    }

    /// <summary>Renames the synced temp file over the target and makes the rename durable.</summary>
    private static void Commit(string temp, string full)
    {
        Posix.Rename(temp, full);
        Posix.FsyncDirectory(Path.GetDirectoryName(full)!);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temp file is left behind; IsTempName lets a later cleanup find it.
        }
    }
}

using System.ComponentModel;
using System.Runtime.InteropServices;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// The file operations releases are built with, as single system calls: a directory that must not exist yet
/// (<c>mkdir(2)</c>, never "create or reuse"), a read-only file written once, a hard link (<c>link(2)</c>, which never
/// follows a symlink), an <c>lstat</c>-style look at a file (<c>statx(2)</c>, whose layout is the same on every
/// architecture), fsync of exact paths and <c>syncfs(2)</c> of a whole file system. Release files are never opened for
/// writing once written: a file shared by hard links is only ever replaced (a new file renamed over it), never
/// modified in place.
/// </summary>
public static partial class ReleaseFiles
{
    /// <summary>Read-only modes of release files: 0444, or 0555 for executables (git's 100755, svn:executable).</summary>
    public const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public const UnixFileMode ReadOnlyExecutable = ReadOnly | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode WriteBits = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int StatxType = 0x1;
    private const int StatxMode = 0x2;
    private const int StatxNlink = 0x4;
    private const int StatxIno = 0x100;
    private const int StatxSize = 0x200;
    private const int ORdonly = 0;
    private const int OWronly = 1;
    private const int OCreat = 0x40;
    private const int OExcl = 0x80;
    private const int EIntr = 4;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;
    private const int SfsWrite = 2; // SYNC_FILE_RANGE_WRITE
    private const int EExist = 17;

    /// <summary>What <see cref="Stat"/> saw; <see cref="Kind"/> is <see cref="FileKind.Missing"/> when nothing is there.</summary>
    public readonly record struct FileStatus(FileKind Kind, UnixFileMode Mode, long Size, ulong Inode, uint Links);

    public enum FileKind
    {
        Missing,
        Regular,
        Directory,
        Symlink,
        Other,
    }

    /// <summary>Creates <paramref name="path"/> (mode 0755 less the umask); fails if anything, even a symlink, is there.</summary>
    public static void CreateDirectory(string path)
    {
        if (Mkdir(path, 0x1ED) != 0)
        {
            throw Failure("mkdir", path);
        }
    }

    /// <summary>Hard-links <paramref name="existing"/> as <paramref name="link"/>; returns the errno on failure (0 when linked).</summary>
    public static int TryLink(string existing, string link)
        => NativeLink(existing, link) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The file at <paramref name="path"/> itself (a symlink is reported, not followed).</summary>
    public static unsafe FileStatus Stat(string path)
    {
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxSize | StatxIno | StatxNlink, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20)
            {
                return new FileStatus(FileKind.Missing, 0, 0, 0, 0); // ENOENT, ENOTDIR
            }

            throw new IOException($"statx({path}) failed: {new Win32Exception(errno).Message}", errno);
        }

        // struct statx: stx_nlink at 16 (u32), stx_mode at 28 (u16), stx_ino at 32 (u64), stx_size at 40 (u64).
        var mode = *(ushort*)(buffer + 28);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, (UnixFileMode)(mode & 0xFFF), (long)*(ulong*)(buffer + 40), *(ulong*)(buffer + 32), *(uint*)(buffer + 16));
    }

    /// <summary>True when no one may write to the file through its permissions (its owner included).</summary>
    public static bool IsReadOnly(UnixFileMode mode) => (mode & WriteBits) == 0;

    /// <summary>
    /// Writes a new read-only file (it must not exist), and asks the kernel to start writing it to disk at once
    /// (<c>sync_file_range(2)</c>, which does not wait), so the fsync or syncfs that completes the release has less left
    /// to wait for.
    /// </summary>
    public static unsafe void WriteNewFile(string path, ReadOnlySpan<byte> content, bool executable)
    {
        var fd = OpenCreate(path, OWronly | OCreat | OExcl | OCloexec, (int)(executable ? ReadOnlyExecutable : ReadOnly));
        if (fd < 0)
        {
            throw Failure("open", path);
        }

        try
        {
            fixed (byte* start = content)
            {
                var done = 0;
                while (done < content.Length)
                {
                    var n = Write(fd, start + done, content.Length - done);
                    if (n < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == EIntr)
                        {
                            continue;
                        }

                        throw Failure("write", path);
                    }

                    done += (int)n;
                }
            }

            if (content.Length > 0)
            {
                _ = SyncFileRange(fd, 0, 0, SfsWrite);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>fsyncs each file and directory in <paramref name="paths"/>, a few at a time (the file system batches
    /// concurrent fsyncs into fewer journal commits).</summary>
    public static void Fsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        try
        {
            FsyncParallel(paths, cancellationToken);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }

    private static void FsyncParallel(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, path =>
        {
            var fd = Open(path, ORdonly | OCloexec);
            if (fd < 0)
            {
                throw Failure("open for fsync", path);
            }

            try
            {
                if (FsyncHandle(fd) != 0)
                {
                    throw Failure("fsync", path);
                }
            }
            finally
            {
                _ = Close(fd);
            }
        });
    }

    /// <summary>Flushes everything dirty on the file system holding <paramref name="path"/> (<c>syncfs(2)</c>; it reports
    /// write-back errors since Linux 5.8).</summary>
    public static void SyncFileSystem(string path)
    {
        var fd = Open(path, ORdonly | ODirectory | OCloexec);
        if (fd < 0)
        {
            throw Failure("open", path);
        }

        try
        {
            if (SyncFs(fd) != 0)
            {
                throw Failure("syncfs", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Takes every write permission off the regular files under <paramref name="directory"/> (what a build hook or an svn
    /// export wrote). Symlinks are neither followed nor changed; directories keep theirs, so the release can be removed.
    /// </summary>
    public static int MakeReadOnly(string directory)
    {
        var changed = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var status = Stat(entry);
            if (status.Kind == FileKind.Directory)
            {
                changed += MakeReadOnly(entry);
            }
            else if (status.Kind == FileKind.Regular && !IsReadOnly(status.Mode))
            {
                ClearWriteBits(entry, status.Mode);
                changed++;
            }
        }

        return changed;
    }

    /// <summary>chmod(2) of <paramref name="path"/> to <paramref name="mode"/> without its write bits.</summary>
    public static void ClearWriteBits(string path, UnixFileMode mode)
    {
        if (Chmod(path, (int)(mode & ~WriteBits)) != 0)
        {
            throw Failure("chmod", path);
        }
    }

    /// <summary>True when <paramref name="errno"/> means "the path exists".</summary>
    public static bool IsExists(int errno) => errno == EExist;

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}({path}) failed: {new Win32Exception(errno).Message}", errno);
    }

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mkdir(string path, int mode);

    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Chmod(string path, int mode);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeLink(string existing, string link);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, int mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCreate(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncHandle(int fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(int fd, long offset, long count, int flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

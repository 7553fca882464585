namespace NodeAgent.Roles.Db.Backup;

/// <summary>File modes for what the database's OS user may read; the agent runs on Linux only.</summary>
public static class UnixModes
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode GroupReadable = Private | UnixFileMode.GroupRead;

    public const UnixFileMode GroupReadWrite = GroupReadable | UnixFileMode.GroupWrite;

    public const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    public const UnixFileMode GroupDirectory = PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    public static void Set(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes need a Unix system");
        }

        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Creates a file only its owner (and, with <paramref name="mode"/>, its group) can read, from the first byte on.</summary>
    public static FileStream Create(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("file modes need a Unix system");
        }

        return new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode });
    }
}

namespace NodeAgent.Roles.Web.Releases;

/// <summary>Free space on the file system holding a path (statvfs through <see cref="DriveInfo"/>).</summary>
public static class FreeSpace
{
    public static long Available(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }

        return new DriveInfo(existing).AvailableFreeSpace;
    }
}

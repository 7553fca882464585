using System.Globalization;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>A local account (the database's OS user, e.g. <c>postgres</c>), looked up in /etc/passwd.</summary>
public sealed record OsUser(string Name, int Uid, int Gid)
{
    public static OsUser? Find(string name, string passwdFile = "/etc/passwd")
    {
        foreach (var line in File.ReadLines(passwdFile))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return new OsUser(name, uid, gid);
            }
        }

        return null;
    }

    public static OsUser Require(string name)
        => Find(name) ?? throw new InvalidOperationException($"OS user '{name}' does not exist on this host");
}

using System.Net;
using System.Text;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres.Server;

/// <summary>
/// The agent's block at the top of <c>pg_hba.conf</c> (first match wins): the replication user may stream
/// (<c>replication</c>) and read the <c>postgres</c> database (pg_rewind, the failover gate's progress query) from the
/// allowed networks, with a SCRAM password. Between markers, replaced whole; the rest of the file is the operator's.
/// </summary>
public static class PostgresHba
{
    private const string Begin = "# BEGIN nodeagent replication (managed; edits between these lines are overwritten)";
    private const string End = "# END nodeagent replication";

    public static string Block(string user, IReadOnlyList<IPNetwork> networks)
    {
        var text = new StringBuilder().Append(Begin).Append('\n');
        foreach (var network in networks)
        {
            text.Append($"host    replication    \"{user}\"    {network}    scram-sha-256\n");
            text.Append($"host    postgres       \"{user}\"    {network}    scram-sha-256\n");
        }

        return text.Append(End).Append('\n').ToString();
    }

    /// <summary>Puts the block at the top of <paramref name="path"/>. Returns true when the file changed.</summary>
    public static bool Apply(string path, string user, IReadOnlyList<IPNetwork> networks, OsUser? owner)
    {
        var before = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var rest = before;
        var start = rest.IndexOf(Begin, StringComparison.Ordinal);
        var end = rest.IndexOf(End, StringComparison.Ordinal);
        if (start >= 0 && end > start)
        {
            var after = end + End.Length;
            if (after < rest.Length && rest[after] == '\n')
            {
                after++;
            }

            rest = rest[..start] + rest[after..];
        }

        var text = Block(user, networks) + rest;
        if (text == before)
        {
            return false;
        }

        AtomicFile.WriteAllText(path, text);
        UnixModes.Set(path, UnixModes.Private);
        if (owner is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(path, owner.Uid, owner.Gid);
        }

        return true;
    }
}

using System.Text;
using System.Text.RegularExpressions;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Roles.Db.Postgres.Server;

/// <summary>
/// The settings the agent manages in <c>postgresql.auto.conf</c> (read after postgresql.conf, so they win): every
/// line setting one of the managed names is removed and the wanted values are appended under one comment. Other lines
/// (an operator's ALTER SYSTEM) are kept as they are. Replaced atomically, mode 0600, owned by the database's OS user.
/// </summary>
public static partial class PostgresAutoConf
{
    public const string FileName = "postgresql.auto.conf";
    private const string Marker = "# nodeagent (managed; ALTER SYSTEM of these names is overwritten)";

    /// <summary>Sets each name to its value (null: removes the name). Returns true when the file changed.</summary>
    public static bool Apply(string dataDir, IReadOnlyDictionary<string, string?> settings, OsUser? owner)
    {
        var path = Path.Combine(dataDir, FileName);
        var before = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var managed = new HashSet<string>(settings.Keys, StringComparer.OrdinalIgnoreCase);
        var text = new StringBuilder();
        foreach (var line in before.Split('\n'))
        {
            if (line.Length == 0 || line == Marker)
            {
                continue;
            }

            if (SettingLine().Match(line) is { Success: true } m && managed.Contains(m.Groups["name"].Value))
            {
                continue;
            }

            text.Append(line).Append('\n');
        }

        var wanted = settings.Where(s => s.Value is not null).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        if (wanted.Count > 0)
        {
            text.Append(Marker).Append('\n');
            foreach (var (name, value) in wanted)
            {
                text.Append(name).Append(" = ").Append(Literal(value!)).Append('\n');
            }
        }

        var after = text.ToString();
        if (after == before)
        {
            return false;
        }

        AtomicFile.WriteAllText(path, after);
        UnixModes.Set(path, UnixModes.Private);
        if (owner is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(path, owner.Uid, owner.Gid);
        }

        return true;
    }

    /// <summary>The value of a setting as the file holds it (the last line wins, as in PostgreSQL), or null.</summary>
    public static string? Read(string dataDir, string name)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        string? value = null;
        foreach (var line in File.ReadLines(path))
        {
            if (SettingLine().Match(line) is { Success: true } m && string.Equals(m.Groups["name"].Value, name, StringComparison.OrdinalIgnoreCase))
            {
                var raw = m.Groups["value"].Value.Trim();
                value = raw.Length >= 2 && raw[0] == '\'' && raw[^1] == '\'' ? raw[1..^1].Replace("''", "'", StringComparison.Ordinal) : raw;
            }
        }

        return value;
    }

    /// <summary>A PostgreSQL string literal: single quotes, embedded quotes doubled, no line breaks allowed.</summary>
    public static string Literal(string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a configuration value cannot contain line breaks or NUL", nameof(value));
        }

        return $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
    }

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(?<value>.*)$")]
    private static partial Regex SettingLine();
}

using System.Globalization;
using System.Text;
using NodeAgent.Roles.Db.Engines;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// libpq connection strings the agent writes for replication (<c>primary_conninfo</c>, pg_rewind's source): host, port,
/// user, the passfile with the secret, the node id as application name (what <c>synchronous_standby_names</c> lists),
/// short connect timeout and TCP keepalives. Values are quoted as libpq wants; there is never a password in one.
/// </summary>
public static class ConnInfo
{
    public static string For(PeerEndpoint upstream, string user, string passfile, string applicationName, string database = "postgres")
    {
        var text = new StringBuilder();
        Add(text, "host", upstream.Address.ToString());
        Add(text, "port", upstream.Port.ToString(CultureInfo.InvariantCulture));
        Add(text, "user", user);
        Add(text, "passfile", passfile);
        Add(text, "dbname", database);
        Add(text, "application_name", applicationName);
        Add(text, "connect_timeout", "5");
        Add(text, "keepalives_idle", "10");
        Add(text, "keepalives_interval", "5");
        Add(text, "keepalives_count", "3");
        return text.ToString().TrimEnd();
    }

    /// <summary>The value of <paramref name="key"/> in a conninfo the agent wrote, or null.</summary>
    public static string? Value(string? connInfo, string key)
    {
        if (connInfo is null)
        {
            return null;
        }

        foreach (var part in connInfo.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq > 0 && part[..eq] == key)
            {
                return part[(eq + 1)..].Trim('\'');
            }
        }

        return null;
    }

    private static void Add(StringBuilder text, string key, string value)
    {
        var plain = value.Length > 0 && value.All(c => c is not (' ' or '\'' or '\\'));
        text.Append(key).Append('=').Append(plain ? value : $"'{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'").Append(' ');
    }
}

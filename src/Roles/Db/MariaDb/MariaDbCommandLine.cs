using System.Globalization;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>Connection arguments for the MariaDB command-line tools. The password goes in MYSQL_PWD, never in argv.</summary>
public static class MariaDbCommandLine
{
    public static IReadOnlyList<string> Connection(MariaDbConfig config) => config.Socket is { } socket
        ? ["--socket", socket, "--user", config.User]
        : ["--host", config.Host, "--port", config.Port.ToString(CultureInfo.InvariantCulture), "--protocol", "tcp", "--user", config.User];

    public static IReadOnlyDictionary<string, string?> Environment(MariaDbConfig config)
        => config.Password is { } password ? new Dictionary<string, string?> { ["MYSQL_PWD"] = password.Reveal() } : new Dictionary<string, string?>();
}

using System.Text.RegularExpressions;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// <c>synchronous_standby_names</c> as the agent writes it: <c>ANY 1 ("db-2", "db-3")</c> — a commit waits until any one
/// of the live replicas has flushed it — or empty (asynchronous).
/// </summary>
public static partial class SynchronousNames
{
    public static string Format(IReadOnlyList<string> standbys)
        => standbys.Count == 0 ? string.Empty
            : $"ANY 1 ({string.Join(", ", standbys.Order(StringComparer.Ordinal).Select(s => $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\""))})";

    /// <summary>The names in a setting (any of the forms PostgreSQL accepts, as far as the agent needs: quoted or bare names).</summary>
    public static IReadOnlyList<string> Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return [];
        }

        var body = setting.Trim();
        if (List().Match(body) is { Success: true } m)
        {
            body = m.Groups["list"].Value;
        }

        return body.Split(',').Select(s => s.Trim().Trim('"')).Where(s => s.Length > 0 && s != "*").Order(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"^(?:(?:ANY|FIRST)\s+)?\d*\s*\((?<list>.*)\)$", RegexOptions.IgnoreCase)]
    private static partial Regex List();
}

using System.Text;

namespace NodeAgent.Tests.Fuzz;

/// <summary>
/// Generates user-data documents from the grammar of the format: the real keys of every section with values drawn
/// from good, borderline and hostile pools (names with a trailing newline, non-ASCII digits, short IPv4 forms, tags,
/// aliases, deep brackets), in YAML block or flow style, or as JSON.
/// </summary>
internal static class UserDataGrammar
{
    private static readonly string[] Names = ["shop", "shop-prod", "Shop", "shop\\n", "a..b", "web-1", "i-0abc", "x", "", "\\u0663", "-a", "a-", "shop.internal", "é"];
    private static readonly string[] Durations = ["30s", "500ms", "5m", "2h", "1d", "0s", "\\u0663\\u0660s", "30", "1.5s", "-1s", "999999999999d", "s", "30 s"];
    private static readonly string[] Sizes = ["256MB", "2GiB", "1024", "\\u0662GB", "1e9", "9999999999999999999", "1.5GB", "GB"];
    private static readonly string[] Addresses = ["10.0.0.5", "127.0.0.1", "10", "2130706433", "127.1", "::1", "fe80::1%eth0", "300.1.1.1", "10.0.0.5\\n"];
    private static readonly string[] Endpoints = ["127.0.0.1:9780", "1:9780", "[::1]:80", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:09780", ":80"];
    private static readonly string[] Scalars = ["1", "true", "null", "~", "!!str x", "!!binary aGk=", "&a x", "*a", "[]", "{}", "[[[[[[", "'", "\"\\ud800\""];

    public static string Generate(int number)
    {
        var rng = new Random(number);
        string Pick(string[] pool) => pool[rng.Next(pool.Length)];
        string Quote(string value) => $"\"{value}\"";
        var role = new[] { "web", "lb", "db", "cache" }[rng.Next(4)];
        var lines = new List<(string Key, string Value)>
        {
            ("version", rng.Next(5) == 0 ? Pick(Scalars) : "1"),
            ("role", role),
            ("cluster", Quote(Pick(Names))),
            ("node", $"{{id: {Quote(Pick(Names))}, address: {Quote(Pick(Addresses))}, shutdown_timeout: {Quote(Pick(Durations))}}}"),
            ("aws", $"{{region: {Quote(rng.Next(2) == 0 ? "eu-west-1" : "eu-west-\\u0661")}, bucket: {Quote(Pick(Names))}}}"),
            ("status", $"{{listen: {Quote(Pick(Endpoints))}}}"),
            ("registry", $"{{heartbeat_interval: {Quote(Pick(Durations))}}}"),
            ("queue", $"{{wait_time: {Quote(Pick(Durations))}, max_receive_count: {Pick(Scalars)}}}"),
        };
        lines.Add(role switch
        {
            "web" => ("web", $"{{publish_key: \"{NodeAgent.Testing.TestKeys.PublicKey}\", min_free_space: {Quote(Pick(Sizes))}, apps: [{{name: {Quote(Pick(Names))}, repository: {{type: git, url: /srv/x}}, shared: [{Quote(Pick(Names))}]}}]}}"),
            "lb" => ("lb", $"{{http_bind: {Quote(Pick(Endpoints))}, allowed_cidrs: [{Quote(Pick(Addresses) + "/8")}], backends: [{{app: {Quote(Pick(Names))}, cookie: {Quote(Pick(Names))}, hosts: [{Quote(Pick(Names))}], check: {{path: {Quote("/" + Pick(Names))}}}}}]}}"),
            "db" => ("db", $"{{engine: postgresql, postgresql: {{data_dir: /var/lib/pg, os_user: {Quote(Pick(Names))}}}, backup: {{full_every: {Quote(Pick(Durations))}}}}}"),
            _ => ("cache", Pick(Scalars)),
        });
        if (rng.Next(4) == 0)
        {
            lines.Insert(rng.Next(lines.Count), (rng.Next(2) == 0 ? "!!str role" : Pick(Names), Pick(Scalars)));
        }

        var text = new StringBuilder();
        switch (rng.Next(3))
        {
            case 0:
                foreach (var (key, value) in lines)
                {
                    text.Append(key).Append(": ").Append(value).Append('\n');
                }

                break;
            case 1:
                text.Append('{').AppendJoin(", ", lines.Select(l => $"{l.Key}: {l.Value}")).Append("}\n");
                break;
            default:
                // JSON: keys quoted; values as they are (flow YAML is often not JSON: a syntax error is an answer too).
                text.Append('{').AppendJoin(",", lines.Select(l => $"\"{l.Key}\":{(l.Value.StartsWith('{') || l.Value.StartsWith('"') ? l.Value : Quote(l.Value))}")).Append('}');
                break;
        }

        return text.ToString();
    }
}

using System.Text.Json;

namespace NodeAgent.Testing;

/// <summary>
/// One AWS call from an agent's call record (<c>NODEAGENT_AWS_CALL_LOG</c>, docs/install.md): who made it (the folder:
/// a role, or <c>deployer</c>), the service, the API operation, the resource's ARN and, for listings, the prefix.
/// </summary>
public sealed record RecordedAwsCall(string Principal, string Service, string Operation, string Resource, string? Prefix)
{
    public override string ToString() => $"{Principal}: {Service}:{Operation} {Resource}{(Prefix is null ? string.Empty : $" (prefix '{Prefix}')")}";

    /// <summary>Reads every <c>&lt;principal&gt;/*.jsonl</c> under <paramref name="dir"/>.</summary>
    public static IReadOnlyList<RecordedAwsCall> ReadAll(string dir)
    {
        var calls = new List<RecordedAwsCall>();
        if (!Directory.Exists(dir))
        {
            return calls;
        }

        foreach (var file in Directory.EnumerateFiles(dir, "*.jsonl", SearchOption.AllDirectories))
        {
            var principal = Path.GetFileName(Path.GetDirectoryName(file)!);
            foreach (var line in File.ReadLines(file).Where(l => l.Length > 0))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                calls.Add(new RecordedAwsCall(principal, root.GetProperty("service").GetString()!, root.GetProperty("operation").GetString()!,
                    root.GetProperty("resource").GetString()!, root.TryGetProperty("prefix", out var p) ? p.GetString() : null));
            }
        }

        return calls;
    }
}

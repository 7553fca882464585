using System.Globalization;
using System.Text;
using NodeAgent.Registry;

namespace NodeAgent.Cli;

/// <summary>
/// The text of <c>nodeagent status --cluster</c>: every node in the registry (role, id, address, health, heartbeat
/// age, apps and releases), then each lb node's HAProxy view, then the db nodes' replication (role, timeline, positions,
/// lag, epoch), then registry objects that were ignored and why.
/// </summary>
public static class ClusterStatusTable
{
    public static string Format(string cluster, RegistryListing listing)
    {
        var text = new StringBuilder();
        var entries = listing.Entries;
        var byRole = string.Join(", ", entries.GroupBy(e => e.Record.Role).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        text.AppendLine(CultureInfo.InvariantCulture, $"cluster {cluster}: {entries.Count} node(s){(entries.Count > 0 ? $" ({byRole})" : string.Empty)}");
        if (entries.Count > 0)
        {
            text.AppendLine();
            Table(text, ["ROLE", "NODE", "ADDRESS", "HEALTH", "HEARTBEAT", "APPS"], entries.Select(e => new[]
            {
                e.Record.Role,
                e.Record.NodeId,
                e.Record.Address,
                e.Record.Health,
                Age(e.Age) + (e.Stale ? " (stale)" : string.Empty),
                e.Record.Apps.Count == 0
                    ? "-"
                    : string.Join(", ", e.Record.Apps.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}@{a.Value.Release ?? "-"}")),
            }));
        }

        foreach (var lb in entries.Where(e => e.Record.Balancer is not null))
        {
            var view = lb.Record.Balancer!;
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"HAProxy on {lb.Record.NodeId} ({view.Process}, {view.Servers.Count} server(s)):");
            if (view.Servers.Count > 0)
            {
                Table(text, ["APP", "SERVER", "ADDRESS", "STATE"], view.Servers
                    .OrderBy(s => s.App, StringComparer.Ordinal).ThenBy(s => s.Server, StringComparer.Ordinal)
                    .Select(s => new[] { s.App, s.Server, $"{s.Address}:{s.Port.ToString(CultureInfo.InvariantCulture)}", s.State }));
            }
        }

        var databases = entries.Where(e => e.Record.Database is not null).ToList();
        if (databases.Count > 0)
        {
            text.AppendLine();
            var holders = databases.Where(e => e.Record.Database!.Holds is not null && !e.Stale).Select(e => $"{e.Record.Database!.Holds} held by {e.Record.NodeId} (epoch {e.Record.Database.Epoch.ToString(CultureInfo.InvariantCulture)})").ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"databases: {(holders.Count == 0 ? "no node holds the writers' name" : string.Join("; ", holders))}");
            Table(text, ["NODE", "ROLE", "STATE", "TL", "POSITION", "REPLAY", "LAG", "EPOCH", "UPSTREAM", "DETAIL"], databases
                .OrderBy(e => e.Record.Database!.Role == "primary" ? 0 : 1).ThenBy(e => e.Record.NodeId, StringComparer.Ordinal)
                .Select(e => DatabaseRow(e)));
        }

        if (listing.Rejects.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("ignored registry objects:");
            foreach (var reject in listing.Rejects)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {reject.Key}: {reject.Reason}");
            }
        }

        return text.ToString();
    }

    private static string[] DatabaseRow(RegistryEntry entry)
    {
        var d = entry.Record.Database!;
        var lag = d.LagBytes is null && d.LagSeconds is null ? "-"
            : $"{(d.LagBytes is { } b ? Bytes(b) : "?")}, {(d.LagSeconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) + " s" : "?")}";
        return
        [
            entry.Record.NodeId,
            d.Role + (entry.Stale ? " (stale)" : string.Empty),
            d.State ?? "-",
            d.Timeline?.ToString(CultureInfo.InvariantCulture) ?? "-",
            d.Position ?? "-",
            d.ReplayPosition ?? "-",
            lag,
            d.Epoch.ToString(CultureInfo.InvariantCulture),
            d.Upstream ?? "-",
            d.Detail ?? string.Empty,
        ];
    }

    private static string Bytes(long bytes) => bytes < 1024 ? $"{bytes} B"
        : bytes < 1 << 20 ? (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB"
        : bytes < 1L << 30 ? (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1073741824.0).ToString("0.00", CultureInfo.InvariantCulture) + " GiB";

    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            return "0s";
        }

        return age.TotalSeconds < 60 ? $"{(int)age.TotalSeconds}s"
            : age.TotalMinutes < 60 ? $"{(int)age.TotalMinutes}m{age.Seconds:00}s"
            : age.TotalHours < 48 ? $"{(int)age.TotalHours}h{age.Minutes:00}m"
            : $"{(int)age.TotalDays}d";
    }

    private static void Table(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}

using System.Globalization;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>Parses the runtime API's text answers: <c>show servers state</c>, <c>show stat</c> and the master's <c>show proc</c>.</summary>
public static class HaproxyOutputParser
{
    /// <summary>
    /// <c>show servers state</c>, format version 1: a version line, a <c>#</c> header naming the columns, then one line
    /// per server. Columns are found by name, so added columns do not break parsing.
    /// </summary>
    public static IReadOnlyList<ServerState> ServersState(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return [];
        }

        if (lines[0] != "1")
        {
            throw new FormatException($"show servers state: expected format version 1, got '{lines[0]}'");
        }

        var header = lines.Skip(1).FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries)
                     ?? throw new FormatException("show servers state: no header line");
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new FormatException($"show servers state: no column {name}");
        var (be, name, id, addr, port, op, admin) = (Column("be_name"), Column("srv_name"), Column("srv_id"), Column("srv_addr"),
            Column("srv_port"), Column("srv_op_state"), Column("srv_admin_state"));
        var servers = new List<ServerState>();
        foreach (var line in lines.Skip(1).Where(l => !l.StartsWith('#')))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < header.Length)
            {
                throw new FormatException($"show servers state: short line '{line}'");
            }

            servers.Add(new ServerState(f[be], f[name], Int(f[id]), f[addr], Int(f[port]), Int(f[op]), Int(f[admin])));
        }

        return servers;
    }

    /// <summary>Current sessions (<c>scur</c>) per server from <c>show stat</c> CSV, keyed <c>backend/server</c>.</summary>
    public static IReadOnlyDictionary<string, int> CurrentSessions(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#', ' ').Split(',')
                     ?? throw new FormatException("show stat: no header line");
        var (px, sv, scur) = (Array.IndexOf(header, "pxname"), Array.IndexOf(header, "svname"), Array.IndexOf(header, "scur"));
        if (px < 0 || sv < 0 || scur < 0)
        {
            throw new FormatException("show stat: missing pxname, svname or scur");
        }

        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var f in lines.Where(l => !l.StartsWith('#')).Select(l => l.Split(',')))
        {
            if (f.Length > scur && f[sv] is not ("FRONTEND" or "BACKEND"))
            {
                result[$"{f[px]}/{f[sv]}"] = f[scur].Length == 0 ? 0 : Int(f[scur]);
            }
        }

        return result;
    }

    /// <summary>Per-server counters from <c>show stat</c> CSV (servers only; columns found by name).</summary>
    public static IReadOnlyList<ServerStats> ServerStats(string csv)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines.FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#', ' ').Split(',')
                     ?? throw new FormatException("show stat: no header line");
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new FormatException($"show stat: no column {name}");
        var (px, sv, status, check, econ, eresp, rtime, stot) = (Column("pxname"), Column("svname"), Column("status"), Column("check_status"),
            Column("econ"), Column("eresp"), Column("rtime"), Column("stot"));
        var classes = new[] { "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other" }.Select(Column).ToArray();
        var result = new List<ServerStats>();
        foreach (var f in lines.Where(l => !l.StartsWith('#')).Select(l => l.Split(',')))
        {
            if (f.Length < header.Length - 1 || f[sv] is "FRONTEND" or "BACKEND")
            {
                continue;
            }

            long Number(int i) => i < f.Length && f[i].Length > 0 ? long.Parse(f[i], NumberStyles.None, CultureInfo.InvariantCulture) : 0;
            result.Add(new ServerStats(f[px], f[sv], f[status], f[check], classes.Sum(Number), Number(classes[4]), Number(econ), Number(eresp), Number(rtime), Number(stot)));
        }

        return result;
    }

    /// <summary>The master's <c>show proc</c>: its pid, reload counts, and the current (not old) workers.</summary>
    public static MasterState ShowProc(string output)
    {
        int? masterPid = null;
        var reloads = 0;
        var failed = 0;
        var workers = new List<int>();
        var section = "master";
        foreach (var raw in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.StartsWith('#'))
            {
                section = raw.Contains("old workers", StringComparison.Ordinal) ? "old"
                    : raw.Contains("workers", StringComparison.Ordinal) ? "workers"
                    : raw.Contains("programs", StringComparison.Ordinal) ? "programs"
                    : section;
                continue;
            }

            var f = raw.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 3 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (f[1] == "master")
            {
                masterPid = pid;
                reloads = Int(f[2]);
                var failedAt = Array.IndexOf(f, "[failed:");
                if (failedAt >= 0 && failedAt + 1 < f.Length)
                {
                    failed = Int(f[failedAt + 1].TrimEnd(']'));
                }
            }
            else if (f[1] == "worker" && section == "workers")
            {
                workers.Add(pid);
            }
        }

        return new MasterState(masterPid ?? throw new FormatException("show proc: no master line"), reloads, failed, workers);
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}

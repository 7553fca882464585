using System.Text;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;

namespace NodeAgent.Dns;

/// <summary>The names the agent writes: a node's own record and the shared names a role claims.</summary>
public static class DnsNames
{
    /// <summary><paramref name="label"/> inside <paramref name="zone"/>, lower-case, without the trailing dot.</summary>
    public static string Fqdn(string label, string zone) => $"{label}.{zone}".ToLowerInvariant();

    /// <summary>
    /// This node's record label: <c>dns.record</c> when set; else the node id when it is already a DNS label that
    /// starts with the role (<c>lb1</c>, <c>web-2</c>, <c>db</c>); else <c>&lt;role&gt;-&lt;node id&gt;</c> made into
    /// a label (<c>web-i-0abc123</c>). Never a shared name the node's role claims (<see cref="AgentConfig.SharedDnsNames"/>).
    /// </summary>
    public static string RecordLabel(AgentConfig config, NodeIdentity identity)
    {
        if (config.Dns?.RecordName is { } configured)
        {
            return configured;
        }

        var id = ToLabel(identity.NodeId);
        if (id.StartsWith(identity.Role, StringComparison.Ordinal) && id == identity.NodeId
            && !config.SharedDnsNames.Any(n => n.Label == id))
        {
            return id;
        }

        return ToLabel($"{identity.Role}-{identity.NodeId}");
    }

    /// <summary>Lower-case; every character outside a-z, 0-9 and '-' becomes '-'; at most 63 characters.</summary>
    public static string ToLabel(string text)
    {
        var label = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            label.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' ? c : '-');
        }

        var result = label.ToString().Trim('-');
        result = result.Length > 63 ? result[..63].TrimEnd('-') : result;
        return result.Length == 0 ? "node" : result;
    }
}

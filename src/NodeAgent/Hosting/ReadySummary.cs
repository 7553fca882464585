using System.Text;
using NodeAgent.Bootstrap;
using NodeAgent.Messaging;
using NodeAgent.Status;

namespace NodeAgent.Hosting;

/// <summary>The human-readable lines a node prints when it is up: who it is, its queue, and "ready".</summary>
public static class ReadySummary
{
    public static string Format(NodeIdentity identity, NodeQueue queue, ReadinessSnapshot readiness)
    {
        var text = new StringBuilder();
        text.AppendLine($"node      {identity.NodeId} (instance {identity.InstanceId})");
        text.AppendLine($"role      {identity.Role}");
        text.AppendLine($"cluster   {identity.Cluster}");
        text.AppendLine($"address   {identity.Address}");
        text.AppendLine($"source    {identity.Source}");
        text.AppendLine($"queue     {(queue.IsReady ? queue.Address.Url : "(none)")}");
        text.Append(readiness.Ready ? "ready" : $"not ready: {string.Join("; ", readiness.Reasons)}");
        return text.ToString();
    }
}

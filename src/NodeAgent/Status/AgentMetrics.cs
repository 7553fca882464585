using NodeAgent.Bootstrap;
using Prometheus;

namespace NodeAgent.Status;

/// <summary>
/// Metrics every node exports: its identity as labels, readiness, and start time. Capabilities create their own
/// instruments through the injected <see cref="IMetricFactory"/>, all in one per-agent registry (no static state).
/// </summary>
public sealed class AgentMetrics
{
    public AgentMetrics(IMetricFactory metrics, CollectorRegistry registry, NodeIdentity identity, ReadinessState readiness, TimeProvider time)
    {
        metrics.CreateGauge("nodeagent_info", "Agent identity; always 1.", ["cluster", "role", "node", "version"])
            .WithLabels(identity.Cluster, identity.Role, identity.NodeId, AgentVersion.Value).Set(1);
        metrics.CreateGauge("nodeagent_start_time_seconds", "When the agent started, Unix time.")
            .Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        var ready = metrics.CreateGauge("nodeagent_ready", "1 when every readiness check passes.");
        var checks = metrics.CreateGauge("nodeagent_readiness_check", "1 when the named readiness check passes.", ["check"]);
        // Where the agent's memory is, for docs/footprint.md and for anyone watching a node: the GC heap after the last
        // collection, what the GC has committed, collections per generation, and the process's resident set.
        var heap = metrics.CreateGauge("nodeagent_gc_heap_bytes", "Managed heap size after the last garbage collection.");
        var committed = metrics.CreateGauge("nodeagent_gc_committed_bytes", "Memory the garbage collector has committed.");
        var collections = metrics.CreateGauge("nodeagent_gc_collections", "Garbage collections since start, by generation.", ["generation"]);
        var resident = metrics.CreateGauge("nodeagent_process_resident_bytes", "Resident set size of the agent process.");
        registry.AddBeforeCollectCallback(() =>
        {
            var info = GC.GetGCMemoryInfo();
            heap.Set(info.HeapSizeBytes);
            committed.Set(info.TotalCommittedBytes);
            for (var generation = 0; generation <= GC.MaxGeneration; generation++)
            {
                collections.WithLabels(generation.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(GC.CollectionCount(generation));
            }

            resident.Set(Environment.WorkingSet);
            var snapshot = readiness.Snapshot();
            ready.Set(snapshot.Ready ? 1 : 0);
            foreach (var check in snapshot.Checks)
            {
                checks.WithLabels(check.Name).Set(check.Ready ? 1 : 0);
            }
        });
    }
}

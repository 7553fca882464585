using NodeAgent.Dns;
using NodeAgent.Dns.Failover;
using NodeAgent.Dns.Rfc2136;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics;
using System.Net;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// A PostgreSQL replication group on loopback for tests and benches: one bucket on the local S3/SQS server, one BIND
/// zone, and db nodes (<see cref="ReplicationNode"/>), each a real <c>nodeagent run</c> with its own 127.x address,
/// PostgreSQL port, state and data directories and user-data. The agents run PostgreSQL themselves.
/// </summary>
public sealed class ReplicationGroup : IAsyncDisposable
{
    private readonly List<ReplicationNode> _nodes = [];

    private ReplicationGroup(LocalStack stack, BindServer bind, string bucket, TempDir root, ReplicationOptions options)
    {
        Stack = stack;
        Bind = bind;
        Bucket = bucket;
        Root = root;
        Options = options;
        Cluster = $"repl{Guid.NewGuid():N}"[..12];
        Dns = new Rfc2136Provider(bind.Zone, bind.Config(), TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger<Rfc2136Provider>.Instance);
    }

    public LocalStack Stack { get; }

    public BindServer Bind { get; }

    public string Bucket { get; }

    public TempDir Root { get; }

    public ReplicationOptions Options { get; }

    public string Cluster { get; }

    /// <summary>A provider of our own to read the writers' name, as a client resolving it would see it.</summary>
    public Rfc2136Provider Dns { get; }

    public string Name => DnsNames.Fqdn(Options.Name, Bind.Zone);

    public string Prefix => $"{Cluster}/backups/postgresql/{Options.Name}";

    public IReadOnlyList<ReplicationNode> Nodes => _nodes;

    public static async Task<ReplicationGroup> StartAsync(BindServer bind, ReplicationOptions? options = null)
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("repl");
        var root = new TempDir("nodeagent-repl");
        NodeAgent.Roles.Db.Backup.UnixModes.Set(root.Path, (UnixFileMode)0x1ED);
        return new ReplicationGroup(stack, bind, bucket, root, options ?? new ReplicationOptions());
    }

    /// <summary>A node (not started). <paramref name="s3Endpoint"/>: its S3 through a relay (e.g. a counting one).</summary>
    public ReplicationNode AddNode(string nodeId, string mode, Uri? s3Endpoint = null)
    {
        var node = new ReplicationNode(this, nodeId, mode, s3Endpoint);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Who the writers' name points at and its lease, as DNS says now.</summary>
    public async Task<(IPAddress? Address, LeaseRecord? Lease)> ReadNameAsync()
    {
        var records = await Dns.ReadAsync(Name, CancellationToken.None);
        return (records.Addresses.FirstOrDefault(), LeaseRecord.Find(records.Texts));
    }

    /// <summary>Waits until the writers' name answers <paramref name="node"/>'s address; returns how long that took.</summary>
    public async Task<TimeSpan> WaitNameAsync(ReplicationNode node, TimeSpan timeout, TimeSpan poll)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if ((await ReadNameAsync()).Address?.Equals(node.Address) == true)
                {
                    return clock.Elapsed;
                }
            }
            catch (DnsProviderException)
            {
                // A busy server: ask again.
            }

            await Task.Delay(poll);
        }

        throw new TimeoutException($"{Name} did not answer {node.NodeId} ({node.Address}) within {timeout}: {await ReadNameAsync()}\n{Diagnostics()}");
    }

    public string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Diagnostics()));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Dns.Dispose();
        Root.Dispose();
    }
}

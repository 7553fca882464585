using System.Net;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Dns.Failover;

namespace NodeAgent.Roles.Db.Configuration;

/// <summary>How a db node takes part in replication: not at all (the default), as the first primary, as a replica, or either.</summary>
public enum ReplicationMode
{
    Off,

    /// <summary>Serve the local data directory as the primary (unless a higher epoch holds the writers' name: then rejoin).</summary>
    Primary,

    /// <summary>Follow the primary; built from the archive when the data directory is empty or too far behind.</summary>
    Replica,

    /// <summary>Primary when this node's data is a primary's and nobody holds the name; otherwise replica.</summary>
    Auto,
}

/// <summary>What the primary does when no synchronous replica is left: keep waiting for one (writes block), or go asynchronous.</summary>
public enum SyncLossPolicy
{
    Block,
    Degrade,
}

/// <summary>
/// <c>db.replication:</c> — replicas built from the S3 archive, the writers' name (<c>db.&lt;zone&gt;</c>) claimed by the
/// primary with a lease and fencing epoch, planned switchover, opt-in automatic failover, fencing and rejoin, and
/// synchronous commit. See docs/replication.md.
/// </summary>
public sealed record DbReplicationConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static DbReplicationConfig Default => new();

    public ReplicationMode Mode { get; init; } = ReplicationMode.Off;

    public bool Enabled => Mode != ReplicationMode.Off;

    /// <summary>The writers' name in the DNS zone: web apps connect to <c>&lt;name&gt;.&lt;zone&gt;</c>.</summary>
    public string Name { get; init; } = "db";

    /// <summary>The database role replicas connect as (created and kept by the primary).</summary>
    public string User { get; init; } = "replicator";

    /// <summary>Its password: never in logs, process arguments or the registry (replicas read it from a 0600 passfile).</summary>
    public SecretValue? Password { get; init; }

    /// <summary>Where replicas connect from: the primary's pg_hba.conf admits the replication user from these networks only.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary>PostgreSQL's <c>listen_addresses</c> on every node (peers connect to the node's address).</summary>
    public string ListenAddresses { get; init; } = "*";

    /// <summary>Commits wait until a live replica has flushed them (<c>synchronous_standby_names = ANY 1 (…)</c>).</summary>
    public bool Synchronous { get; init; }

    /// <summary>With <see cref="Synchronous"/>: what happens when the last synchronous replica is gone.</summary>
    public SyncLossPolicy OnSyncLoss { get; init; } = SyncLossPolicy.Block;

    /// <summary>When the primary fails its checks <see cref="Fall"/> times, the most caught-up replica takes over.</summary>
    public bool AutoFailover { get; init; }

    /// <summary>How often the writers' name is checked (the failover's check interval).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    public int Fall { get; init; } = 2;

    /// <summary>After a takeover the new primary keeps the name at least this long (no ping-pong).</summary>
    public TimeSpan MinHold { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a planned switchover waits for the old primary to stop and the replica to replay it all.</summary>
    public TimeSpan SwitchoverTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public SharedDnsName SharedName => new(Name, "db.replication.name", "the db primary's writers' name", RequiresDns: true);

    /// <summary>The claim settings the kernel's shared name coordinator runs with.</summary>
    public SharedNameClaimSettings ClaimSettings => new(Name, Interval, Fall, MinHold, Lease, "nodeagent_db_failover");

    private static readonly Dictionary<string, ReplicationMode> Modes = new()
    {
        ["off"] = ReplicationMode.Off,
        ["primary"] = ReplicationMode.Primary,
        ["replica"] = ReplicationMode.Replica,
        ["auto"] = ReplicationMode.Auto,
    };

    private static readonly Dictionary<string, SyncLossPolicy> SyncLoss = new()
    {
        ["block"] = SyncLossPolicy.Block,
        ["degrade"] = SyncLossPolicy.Degrade,
    };

    public static DbReplicationConfig Read(ConfigReader r)
    {
        var mode = r.Choice("mode", Default.Mode, Modes);
        var networks = new List<IPNetwork>();
        var cidrs = r.StringList("allowed_cidrs", max: 100);
        for (var i = 0; i < cidrs.Count; i++)
        {
            if (IPNetwork.TryParse(cidrs[i], out var network))
            {
                networks.Add(network);
            }
            else
            {
                r.Error($"allowed_cidrs[{i}]", $"expected a CIDR block such as 10.0.0.0/16, got '{cidrs[i]}'");
            }
        }

        var config = new DbReplicationConfig
        {
            Mode = mode,
            Name = r.String("name", fallback: Default.Name, pattern: Names.DnsName(), patternHint: "a DNS label such as db")!,
            User = r.String("user", fallback: Default.User, pattern: new("^[a-z_][a-z0-9_]{0,62}$"), patternHint: "a lower-case database role name")!,
            Password = r.Secret("password"),
            AllowedNetworks = networks,
            ListenAddresses = r.String("listen_addresses", fallback: Default.ListenAddresses, pattern: new("^(\\*|[0-9A-Za-z.:-]+(,[0-9A-Za-z.:-]+)*)$"), patternHint: "'*' or a comma-separated list of addresses")!,
            Synchronous = r.Bool("synchronous", Default.Synchronous),
            OnSyncLoss = r.Choice("on_sync_loss", Default.OnSyncLoss, SyncLoss),
            AutoFailover = r.Bool("auto_failover", Default.AutoFailover),
            Interval = r.Duration("interval", Default.Interval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(5)),
            Fall = r.Int("fall", Default.Fall, 1, 100),
            MinHold = r.Duration("min_hold", Default.MinHold, TimeSpan.Zero, TimeSpan.FromHours(1)),
            Lease = r.Duration("lease", Default.Lease, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            SwitchoverTimeout = r.Duration("switchover_timeout", Default.SwitchoverTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1)),
        };
        if (config.Name.Contains('.', StringComparison.Ordinal))
        {
            r.Error("name", "must be one DNS label (the zone comes from dns.zone), e.g. db");
        }

        if (config.Lease <= config.Interval)
        {
            r.Error("lease", $"must be longer than interval ({DurationParser.Format(config.Interval)})");
        }

        if (mode != ReplicationMode.Off)
        {
            if (config.Password is null)
            {
                r.Error("password", "is required for replication (a string, or {file: PATH} or {env: NAME}); replicas log in with it");
            }

            if (cidrs.Count == 0)
            {
                r.Error("allowed_cidrs", "is required for replication: the networks replicas connect from (e.g. [10.0.0.0/16])");
            }
        }

        return config;
    }
}

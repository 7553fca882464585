using System.Text.RegularExpressions;
using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Configuration;

/// <summary>How a MariaDB node takes part in replication (docs/replication-mariadb.md).</summary>
public enum MariaDbReplicationMode
{
    /// <summary>Serves writes (unless a later promotion made another node the primary: then it fences itself).</summary>
    Primary,

    /// <summary>Seeded from the primary's newest dump in S3, then follows the primary by GTID.</summary>
    Replica,
}

/// <summary>
/// <c>db.mariadb.replication</c>: MariaDB replicas seeded from the S3 dump and following the primary by GTID, lag in the
/// registry, metrics and <c>status --cluster</c>, and <c>nodeagent db promote</c> with fencing by epoch.
/// </summary>
public sealed partial record MariaDbReplicationConfig
{
    /// <summary>The defaults, written once: each property's initializer.</summary>
    private static MariaDbReplicationConfig Default => new() { Mode = MariaDbReplicationMode.Replica };

    private static readonly Dictionary<string, MariaDbReplicationMode> Modes = new()
    {
        ["primary"] = MariaDbReplicationMode.Primary,
        ["replica"] = MariaDbReplicationMode.Replica,
    };

    public required MariaDbReplicationMode Mode { get; init; }

    /// <summary>The account replicas connect as; the primary creates it and keeps its password current.</summary>
    public string User { get; init; } = "replicator";

    /// <summary>Where replicas connect from, as MariaDB's host part of the account (<c>%</c>: anywhere the network allows).</summary>
    public string UserHost { get; init; } = "%";

    /// <summary>The replication secret: never in logs, process arguments or the registry.</summary>
    public SecretValue? Password { get; init; }

    /// <summary>Replica: the primary's node id; default: the node whose registry record says it is the MariaDB primary.</summary>
    public string? Primary { get; init; }

    /// <summary>Replica: the backup prefix to seed from; default: the primary's own default prefix.</summary>
    public string? SourcePrefix { get; init; }

    /// <summary>How often the replication state is read, published and (on a primary) the epoch checked.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    public static MariaDbReplicationConfig Read(ConfigReader r) => new()
    {
        Mode = r.Choice("mode", Default.Mode, Modes, required: true),
        User = r.String("user", fallback: Default.User, pattern: Account(), patternHint: "1-80 of A-Z a-z 0-9 _ . -")!,
        UserHost = r.String("user_host", fallback: Default.UserHost, pattern: AccountHost(), patternHint: "a MariaDB host pattern: A-Z a-z 0-9 . : % _ -")!,
        Password = r.Secret("password", required: true),
        Primary = r.String("primary", pattern: Names.NodeId(), patternHint: Names.NodeIdHint),
        SourcePrefix = r.String("source_prefix", pattern: Prefix(), patternHint: "an S3 key prefix without leading or trailing '/'"),
        Interval = r.Duration("interval", Default.Interval, TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(10)),
    };

    [GeneratedRegex("\\A[A-Za-z0-9_.-]{1,80}\\z")]
    private static partial Regex Account();

    [GeneratedRegex("\\A[A-Za-z0-9.:%_-]{1,255}\\z")]
    private static partial Regex AccountHost();

    [GeneratedRegex("\\A[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*\\z")]
    private static partial Regex Prefix();
}

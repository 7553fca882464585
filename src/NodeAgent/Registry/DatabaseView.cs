namespace NodeAgent.Registry;

/// <summary>
/// A db node's replication state as published in its registry record, engine-neutral like <see cref="BalancerView"/>:
/// its role, what it is doing, its timeline (PostgreSQL; null for engines without one), its positions as the engine
/// writes them (an LSN such as <c>0/3000148</c>, a GTID set), how far its replay is behind, the fencing epoch of the
/// writers' name it holds or last saw, the node it follows, and why it is not where it should be. The figures are
/// refreshed at every heartbeat; a change of role, state, timeline, epoch or upstream is published at once.
/// </summary>
public sealed record DatabaseView
{
    public const int MaxTextLength = 200;

    public const string Primary = "primary";
    public const string Replica = "replica";
    public const string Fenced = "fenced";
    public const string Starting = "starting";

    public static readonly IReadOnlySet<string> Roles = new HashSet<string>(StringComparer.Ordinal) { Primary, Replica, Fenced, Starting };

    /// <summary><c>primary</c>, <c>replica</c>, <c>fenced</c> (a primary that lost the name and may not take writes) or <c>starting</c>.</summary>
    public required string Role { get; init; }

    /// <summary>The engine, as <c>db.engine</c> names it (<c>postgresql</c>, <c>mariadb</c>).</summary>
    public required string Engine { get; init; }

    /// <summary>What the node is doing: e.g. <c>streaming</c>, <c>archive</c>, <c>restoring</c>, <c>rewinding</c>, <c>serving</c>, <c>stopped</c>.</summary>
    public string? State { get; init; }

    public long? Timeline { get; init; }

    /// <summary>Primary: the flushed end of its log. Replica: the end of what it received.</summary>
    public string? Position { get; init; }

    /// <summary>Replica: the end of what it replayed.</summary>
    public string? ReplayPosition { get; init; }

    public long? LagBytes { get; init; }

    public double? LagSeconds { get; init; }

    /// <summary>The fencing epoch of the writers' name: held (primary) or last seen (replica).</summary>
    public long Epoch { get; init; }

    /// <summary>The writers' name (e.g. <c>db.shop.internal</c>) when this node holds it.</summary>
    public string? Holds { get; init; }

    /// <summary>Replica: the node it follows.</summary>
    public string? Upstream { get; init; }

    /// <summary>Why the node is not where it should be, or what it waits for; null when all is well.</summary>
    public string? Detail { get; init; }

    /// <summary>Same role, state, timeline, epoch, name and upstream: a change only in the figures is not worth a prompt write.</summary>
    public bool SameShape(DatabaseView other)
        => Role == other.Role && Engine == other.Engine && State == other.State && Timeline == other.Timeline && Epoch == other.Epoch
           && Holds == other.Holds && Upstream == other.Upstream && Detail == other.Detail;
}

namespace NodeAgent.Dns;

/// <summary>What must hold at a name for an update to apply: the compare half of compare-and-swap.</summary>
public sealed record DnsPrecondition
{
    private DnsPrecondition(DnsPreconditionKind kind, DnsRecordSet? expected)
    {
        Kind = kind;
        Expected = expected;
    }

    public DnsPreconditionKind Kind { get; }

    /// <summary>For <see cref="DnsPreconditionKind.Exactly"/>: the A and TXT sets the name must hold, value for value.</summary>
    public DnsRecordSet? Expected { get; }

    /// <summary>No precondition: overwrite (registration of a node's own name).</summary>
    public static DnsPrecondition None { get; } = new(DnsPreconditionKind.None, null);

    /// <summary>The name must not be in use at all (RFC 2136 "name is not in use"): a first claim.</summary>
    public static DnsPrecondition Absent { get; } = new(DnsPreconditionKind.Absent, null);

    /// <summary>The A and TXT sets must be exactly these (RFC 2136 value-dependent RRset exists / RRset does not exist).</summary>
    public static DnsPrecondition Exactly(DnsRecordSet expected) => new(DnsPreconditionKind.Exactly, expected);

    public override string ToString() => Kind switch
    {
        DnsPreconditionKind.None => "none",
        DnsPreconditionKind.Absent => "name not in use",
        _ => $"exactly {Expected}",
    };
}

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>
/// One side's account of a planned switchover, in S3 under <c>&lt;cluster&gt;/db/switchovers/&lt;request&gt;/</c>:
/// <c>target.json</c> (the replica taking over: accepted, waiting-primary, replaying, done, refused, failed) and
/// <c>primary.json</c> (the old primary: stopped with its final position, or refused). Each written only by its node;
/// the caller of <see cref="IDbSwitchover"/> follows them.
/// </summary>
public sealed record SwitchoverRecord
{
    public const string Accepted = "accepted";
    public const string WaitingPrimary = "waiting-primary";
    public const string Replaying = "replaying";
    public const string Done = "done";
    public const string Refused = "refused";
    public const string Failed = "failed";
    public const string Stopped = "stopped";

    public static readonly IReadOnlySet<string> States = new HashSet<string> { Accepted, WaitingPrimary, Replaying, Done, Refused, Failed, Stopped };

    public required string RequestId { get; init; }

    /// <summary>The node that wrote this record.</summary>
    public required string Node { get; init; }

    public required string State { get; init; }

    public required string Detail { get; init; }

    /// <summary>Target, done: the epoch it took. Primary, stopped: the epoch it held.</summary>
    public long? Epoch { get; init; }

    public long? Timeline { get; init; }

    /// <summary>Primary, stopped: the position every replica must replay past.</summary>
    public string? Position { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    public bool Terminal => State is Done or Refused or Failed or Stopped;
}

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>What a publish did: the sequence it got, the desired record it wrote, and which nodes it nudged.</summary>
public sealed record PublishResult(long Sequence, DesiredRelease Desired, IReadOnlyList<string> Targets, IReadOnlyList<string> Unreached);

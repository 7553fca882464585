namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>The HAProxy master process as its CLI reports it: pid, reloads (and failed ones), current workers.</summary>
public sealed record MasterState(int MasterPid, int Reloads, int FailedReloads, IReadOnlyList<int> Workers);

namespace NodeAgent.Roles.Lb.Membership;

/// <summary>A registry object that will not become an HAProxy server, and why (logged once per object and reason).</summary>
public sealed record MembershipExclusion(string Key, string Reason);

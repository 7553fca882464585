namespace NodeAgent.Roles.Web.Deploy;

/// <summary>How a hook ended: success, the tail of its output, and why it failed.</summary>
public sealed record HookResult(bool Succeeded, string Output, string? Failure);

namespace NodeAgent.Roles.Web.Health;

/// <summary>One health check's outcome and a short human-readable detail (status, latency or the failure).</summary>
public sealed record ProbeResult(bool Success, string Detail);

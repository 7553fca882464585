namespace NodeAgent.Status;

/// <summary>A readiness check a role declares up front; it starts not ready with <paramref name="InitialDetail"/>.</summary>
public sealed record ReadinessCheckDeclaration(string Name, string InitialDetail);

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>A safety poll in which at least one app ended in a transient failure (already logged); the loop backs off.</summary>
public sealed class DeployPollIncompleteException()
    : Exception("at least one app's reconcile ended in a transient failure; retrying with backoff");

namespace NodeAgent.Roles.Web.Health;

/// <summary>One check of something local (the web server); never throws for the thing being down.</summary>
public interface IHealthProbe
{
    /// <summary>What is checked, for logs and /healthz (e.g. <c>GET http://10.0.0.5:80/healthz</c>).</summary>
    string Target { get; }

    Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken);
}

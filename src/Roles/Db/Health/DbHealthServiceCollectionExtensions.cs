using NodeAgent.Hosting;
using NodeAgent.Status;

namespace NodeAgent.Roles.Db.Health;

/// <summary>DI wiring of the db health loop.</summary>
public static class DbHealthServiceCollectionExtensions
{
    /// <summary>
    /// The db health loop (readiness checks <c>db</c> and, when the engine registered an <see cref="IWalArchiverProbe"/>,
    /// <c>db-archiver</c>). The engine's <see cref="IDbPing"/> must be registered (<c>IDbEngine.AddServices</c>).
    /// </summary>
    public static RoleBuilder AddDbHealth(this RoleBuilder role)
    {
        role.Services.AddAgentMetrics();
        return role.Loop<DbHealthService>();
    }
}

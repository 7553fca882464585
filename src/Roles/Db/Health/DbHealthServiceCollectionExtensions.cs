using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Status;
using Prometheus;

namespace NodeAgent.Roles.Db.Health;

/// <summary>DI wiring of the db health loop.</summary>
public static class DbHealthServiceCollectionExtensions
{
    /// <summary>The db health loop for the configured engine (readiness checks <c>db</c> and, on PostgreSQL, <c>db-archiver</c>).</summary>
    public static RoleBuilder AddDbHealth(this RoleBuilder role, DbSection db)
    {
        var services = role.Services;
        services.AddAgentMetrics();
        services.AddHostedService(sp =>
        {
            IDbPing ping = db.Engine == DbEngine.PostgreSql
                ? new PostgresPing(new PostgresClient(db.PostgreSql!))
                : new MariaDbPing(new MariaDbClient(db.MariaDb!));
            var archiver = db.Engine == DbEngine.PostgreSql ? new PostgresClient(db.PostgreSql!) : null;
            return new DbHealthService(ping, archiver, db, sp.GetRequiredService<ReadinessState>(), sp.GetRequiredService<IMetricFactory>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DbHealthService>>(), sp.GetService<Registry.NodeStatusBoard>());
        });
        return role;
    }
}

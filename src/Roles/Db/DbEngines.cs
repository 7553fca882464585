using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.MariaDb;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db;

/// <summary>
/// The one place that turns <c>db.engine</c> into an engine. The daemon's wiring (<see cref="DbRole"/>) and the
/// <c>backup</c> commands both ask here; everything below talks to what the engine registered. It lives with the role
/// rather than in <c>Engines/</c> so that the engines depend on <c>Engines/</c> and nothing depends back on them.
/// </summary>
public static class DbEngines
{
    public static IDbEngine For(DbSection db) => db.Engine switch
    {
        DbEngine.PostgreSql => new PostgresEngine(db),
        DbEngine.MariaDb => new MariaDbEngine(db),
        _ => throw new ArgumentOutOfRangeException(nameof(db), db.Engine, "unknown db.engine"),
    };
}

using NodeAgent.Roles.Db.Health;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>PostgreSQL's WAL archiver for the health loop: a row of <c>pg_stat_archiver</c>.</summary>
public sealed class PostgresArchiverProbe(PostgresClient client) : IWalArchiverProbe
{
    public Task<ArchiverStatus> ReadAsync(CancellationToken cancellationToken) => client.ArchiverAsync(cancellationToken);
}

namespace NodeAgent.Roles.Db.Health;

/// <summary>
/// Reads the state of the engine's WAL archiver for the readiness check <c>db-archiver</c>. Registered only by engines
/// that archive WAL through the server's archive_command (PostgreSQL); without it the health loop has no such check.
/// </summary>
public interface IWalArchiverProbe
{
    Task<ArchiverStatus> ReadAsync(CancellationToken cancellationToken);
}

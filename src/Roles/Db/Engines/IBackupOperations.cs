namespace NodeAgent.Roles.Db.Engines;

/// <summary>
/// One engine's side of <c>nodeagent backup list|push|restore|verify|retain</c>: the commands parse options and print,
/// the engine does the work and says what it did in its own words. An operation the engine cannot do throws
/// <see cref="EngineOperationNotSupportedException"/> saying so and what to do instead; options that do not fit the
/// engine throw <see cref="BackupUsageException"/>.
/// </summary>
public interface IBackupOperations
{
    /// <summary>Every backup under <paramref name="prefix"/> (default: this node's), oldest first, complete or not.</summary>
    Task<BackupListing> ListAsync(string? prefix, CancellationToken cancellationToken);

    /// <summary>Takes a full backup now. Returns the lines to print.</summary>
    Task<IReadOnlyList<string>> PushAsync(CancellationToken cancellationToken);

    /// <summary>Restores a backup. Returns the lines to print: what was restored where, and what comes next.</summary>
    Task<IReadOnlyList<string>> RestoreAsync(BackupRestoreRequest request, CancellationToken cancellationToken);

    /// <summary>Proves a backup restores and answers a query. Returns the report lines; throws when it does not.</summary>
    Task<IReadOnlyList<string>> VerifyAsync(BackupVerifyRequest request, CancellationToken cancellationToken);

    /// <summary>Keeps <paramref name="keep"/> full backups and what they need, deletes the rest. Returns the lines to print.</summary>
    Task<IReadOnlyList<string>> RetainAsync(int keep, CancellationToken cancellationToken);
}

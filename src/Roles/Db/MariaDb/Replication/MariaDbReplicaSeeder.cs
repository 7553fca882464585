using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// Seeds a replica from S3, never from the primary's server: the newest complete dump under the primary's backup prefix
/// (refused, with the reason, when it has no recorded GTID position), loaded with <c>sql_log_bin=0</c> while the server
/// is <c>read_only</c>; then <c>server_id</c> from the node's identity, <c>gtid_slave_pos</c> = the dump's position,
/// <c>CHANGE MASTER TO … MASTER_USE_GTID=slave_pos</c> with the replication secret, and the replica threads started.
/// The replica catches up on everything after the dump from the primary's binary log.
/// </summary>
public sealed partial class MariaDbReplicaSeeder(MariaDbBackups backups, AgentConfig config, NodeIdentity identity, MariaDbReplicationClient client, ILogger logger)
{
    public async Task<DumpManifest> SeedAsync(MariaDbPrimary primary, MariaDbReplicationConfig replication, uint serverId, CancellationToken cancellationToken)
    {
        var prefix = replication.SourcePrefix ?? BackupPrefixes.For(MariaDbEngine.PrefixSegment, new DbBackupConfig(), config, identity with { NodeId = primary.NodeId });
        var restorer = backups.Restorer(prefix);
        var dump = await ChooseAsync(restorer, prefix, cancellationToken);
        var password = replication.Password!.Reveal();
        LogSeeding(logger, dump.Id, prefix, dump.GtidPosition!);
        await client.SetServerIdAsync(serverId, cancellationToken);
        await client.SetReadOnlyAsync(true, cancellationToken);
        await restorer.LoadAsync(dump, backups.MariaDb, binlog: false, cancellationToken);
        await client.FlushPrivilegesAsync(cancellationToken);
        await client.StartReplicaAsync(primary.Host, primary.Port, replication.User, password, dump.GtidPosition!, cancellationToken);
        LogSeeded(logger, dump.Id, primary.NodeId, serverId);
        return dump;
    }

    /// <summary>The newest complete dump, refused (with the reason) when it has no recorded GTID position.</summary>
    public static async Task<DumpManifest> ChooseAsync(MariaDbRestorer restorer, string prefix, CancellationToken cancellationToken)
    {
        var dump = await restorer.ChooseAsync(null, null, cancellationToken);
        return dump.GtidPosition is not null ? dump : throw new InvalidOperationException(
            $"dump {dump.Id} under {prefix} has no recorded GTID position (taken with binary logging off, or by an agent that did not record it): "
            + "a replica cannot start replicating from it; take a new dump on the primary (nodeagent backup push)");
    }

    [LoggerMessage(EventId = 6260, Level = LogLevel.Information, Message = "Seeding this replica from dump {Id} under {Prefix} (GTID position {Position})")]
    private static partial void LogSeeding(ILogger logger, string id, string prefix, string position);

    [LoggerMessage(EventId = 6261, Level = LogLevel.Information, Message = "Replica seeded from dump {Id}; replicating from {Primary} as server_id {ServerId}")]
    private static partial void LogSeeded(ILogger logger, string id, string primary, uint serverId);
}

using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Roles.Db.Postgres.Reseed;
using NodeAgent.Roles.Db.Postgres.Server;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// PostgreSQL's side of replication (docs/replication.md). The agent runs the server (<see cref="PostgresServer"/>) and
/// manages a few settings in <c>postgresql.auto.conf</c> before every start: listen address and port, WAL for replicas
/// and pg_rewind (<c>wal_level = replica</c>, <c>wal_log_hints = on</c>, <c>hot_standby = on</c>), archiving through the
/// agent (<c>archive_command</c> wal-push, <c>restore_command</c> wal-fetch, <c>recovery_target_timeline = latest</c>),
/// and on a replica <c>primary_conninfo</c> naming the passfile. Replicas are built from the archive's newest backup —
/// in full into an empty directory (the streamed restore), else by a delta re-seed — never by pg_basebackup from the
/// primary. A former primary rejoins with pg_rewind, or a delta re-seed when rewind is impossible.
/// </summary>
public sealed partial class PostgresReplicationEngine : IReplicationEngine
{
    private readonly PostgresBackups _backups;
    private readonly DbReplicationConfig _replication;
    private readonly NodeIdentity _identity;
    private readonly PostgresServer _server;
    private readonly PostgresReplicationClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly string _postgresStateDir;

    public PostgresReplicationEngine(PostgresBackups backups, DbReplicationConfig replication, AgentConfig config, NodeIdentity identity,
        NodeAgent.Processes.IProcessRunner processes, TimeProvider time, ILoggerFactory loggers)
    {
        _backups = backups;
        _replication = replication;
        _identity = identity;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<PostgresReplicationEngine>();
        _postgresStateDir = Path.Combine(config.Node.StateDir, "postgres");
        _server = new PostgresServer(backups.Postgres, backups.OsUser, processes, Path.Combine(_postgresStateDir, "log"), loggers.CreateLogger<PostgresServer>());
        _client = new PostgresReplicationClient(backups.Client().ConnectionString);
    }

    public string EngineName => PostgresEngine.PrefixSegment;

    public string PortName => "postgresql";

    public int Port => _backups.Postgres.Port;

    public string Passfile => Path.Combine(_postgresStateDir, "replication.pgpass");

    private string DataDir => _backups.Postgres.DataDir;

    private string ReseedMarker => Path.Combine(_postgresStateDir, "reseed-in-progress.json");

    public async Task<LocalServer> InspectAsync(CancellationToken cancellationToken)
    {
        var running = await _server.IsRunningAsync(cancellationToken);
        if (File.Exists(ReseedMarker))
        {
            return new LocalServer(LocalData.Replica, running, "an earlier re-seed from the archive did not finish");
        }

        if (!File.Exists(Path.Combine(DataDir, "PG_VERSION")) || !File.Exists(Path.Combine(DataDir, "global", "pg_control")))
        {
            return new LocalServer(LocalData.Empty, running, $"{DataDir} holds no cluster");
        }

        return File.Exists(Path.Combine(DataDir, "standby.signal"))
            ? new LocalServer(LocalData.Replica, running, "standby.signal present")
            : new LocalServer(LocalData.Primary, running, "a primary's data directory (no standby.signal)");
    }

    public Task<ReplicationStatus> ReadStatusAsync(CancellationToken cancellationToken) => _client.StatusAsync(cancellationToken);

    public async Task StartAsync(bool asPrimary, PeerEndpoint? upstream, CancellationToken cancellationToken)
    {
        if (await _server.IsRunningAsync(cancellationToken))
        {
            return;
        }

        WritePassfile();
        var standby = Path.Combine(DataDir, "standby.signal");
        if (asPrimary)
        {
            if (File.Exists(standby))
            {
                throw new InvalidOperationException($"{DataDir} is a replica's (standby.signal); it becomes primary only by promotion");
            }
        }
        else if (!File.Exists(standby))
        {
            await File.WriteAllBytesAsync(standby, [], cancellationToken);
            Own(standby);
        }

        ApplySettings(asPrimary ? null : upstream);
        await _server.StartAsync(wait: asPrimary, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync("fast", cancellationToken);

    public async Task<string> StopForSwitchoverAsync(CancellationToken cancellationToken)
    {
        // A fast shutdown writes the shutdown checkpoint and waits until the connected replicas have received and
        // flushed everything up to it before the server exits.
        await _server.StopAsync("fast", cancellationToken);
        var control = await _server.ControlDataAsync(cancellationToken);
        if (!control.CleanlyShutDown)
        {
            throw new InvalidOperationException($"PostgreSQL on {DataDir} did not shut down cleanly (state: {control.State})");
        }

        return control.Checkpoint.ToString();
    }

    public async Task<bool> ReplayedPastAsync(string position, CancellationToken cancellationToken)
        => await _client.ReplayedPastAsync(Lsn.Parse(position), cancellationToken);

    public async Task<string?> NeedsReseedAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(ReseedMarker))
        {
            return "an earlier re-seed from the archive did not finish";
        }

        ControlData control;
        try
        {
            control = await _server.ControlDataAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NodeAgent.Processes.ProcessFailedException or InvalidDataException or FormatException)
        {
            return $"its control file cannot be read ({ex.Message})";
        }

        var identity = await _backups.Store.GetAsync(_backups.Layout.Identity, DocumentLimits.Manifest, cancellationToken);
        if (identity is not null
            && ArchiveIdentity.Parse(await _backups.Cipher.OpenAsync(identity.Content, _backups.Layout.Prefix, _backups.Layout.Identity, cancellationToken), _backups.Layout.Identity).SystemId is var archived
            && archived != control.SystemIdentifier)
        {
            return $"its system identifier {control.SystemIdentifier} is not the archive's {archived}";
        }

        var newest = (await _backups.Catalog().CompleteAsync(cancellationToken)).LastOrDefault();
        var segmentSize = newest?.SegmentSize ?? 16L << 20;
        var needed = WalFileName.ForLsn(control.Timeline, control.Redo, segmentSize);
        var local = File.Exists(Path.Combine(DataDir, "pg_wal", needed.Name));
        if (!local && await _backups.Store.HeadAsync(_backups.Layout.Wal(needed.Name), cancellationToken) is null)
        {
            return $"the WAL it needs from {needed.Name} (redo point {control.Redo}) is no longer in the archive";
        }

        if (newest is not null && newest.Start > control.Redo && (long)(newest.Start.Value - control.Redo.Value) > newest.StoredBytes)
        {
            return $"it is {ByteSize.Format((long)(newest.Start.Value - control.Redo.Value))} of WAL behind backup {newest.Id}, more than re-seeding from it can cost ({ByteSize.Format(newest.StoredBytes)})";
        }

        return null;
    }

    public async Task<BuildReport> BuildReplicaAsync(PeerEndpoint? upstream, CancellationToken cancellationToken)
    {
        await _server.StopAsync("fast", cancellationToken);
        var newest = (await _backups.Catalog().CompleteAsync(cancellationToken)).LastOrDefault()
            ?? throw new InvalidOperationException($"no complete base backup under {_backups.Prefix} yet; the primary takes one at its first backup round (or run nodeagent backup push on it)");
        BuildReport report;
        var empty = !Directory.Exists(DataDir) || !Directory.EnumerateFileSystemEntries(DataDir).Any();
        var trustPageLsns = !empty && await CleanReplicaAsync(cancellationToken);
        WriteMarker(newest.Id);
        if (empty)
        {
            report = await FullRestoreAsync(newest, "an empty data directory", cancellationToken);
        }
        else
        {
            report = await DeltaOrFullAsync(newest, "re-seed of an existing data directory", trustPageLsns, cancellationToken);
        }

        await FinishReplicaAsync(upstream, cancellationToken);
        File.Delete(ReseedMarker);
        return report;
    }

    public async Task<BuildReport> RejoinAsync(PeerEndpoint upstream, CancellationToken cancellationToken)
    {
        await _server.StopAsync("fast", cancellationToken);
        WritePassfile();
        ControlData? control = null;
        try
        {
            control = await _server.ControlDataAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NodeAgent.Processes.ProcessFailedException or InvalidDataException or FormatException)
        {
            LogRewindImpossible(_logger, $"its control file cannot be read: {ex.Message}");
        }

        if (control is { Rewindable: true } && !File.Exists(ReseedMarker))
        {
            // pg_rewind runs restore_command (wal-fetch) for WAL the target lacks: it must be in place first.
            ApplySettings(upstream);
            var result = await _server.RewindAsync(ConnInfo.For(upstream, _replication.User, Passfile, _identity.NodeId), cancellationToken);
            if (result.ExitCode == 0)
            {
                // pg_rewind copied the source's configuration files: this node's own settings go back on top.
                await FinishReplicaAsync(upstream, cancellationToken);
                var detail = result.StandardOutput.Contains("no rewind required", StringComparison.Ordinal) || result.StandardError.Contains("no rewind required", StringComparison.Ordinal)
                    ? "no rewind required" : "rewound";
                LogRewound(_logger, upstream.ToString(), detail);
                return new BuildReport("rewind", null, 0, 0, $"{detail} onto {upstream.NodeId}'s timeline");
            }

            LogRewindImpossible(_logger, $"pg_rewind exited {result.ExitCode}: {Tail(result.StandardError + result.StandardOutput)}");
        }
        else if (control is not null)
        {
            LogRewindImpossible(_logger, File.Exists(ReseedMarker) ? "an earlier re-seed did not finish" : "neither wal_log_hints nor data checksums were on");
        }

        var newest = (await _backups.Catalog().CompleteAsync(cancellationToken)).LastOrDefault()
            ?? throw new InvalidOperationException($"cannot rejoin: pg_rewind was impossible and there is no complete base backup under {_backups.Prefix} to re-seed from");
        WriteMarker(newest.Id);
        var report = await DeltaOrFullAsync(newest, "rejoin after pg_rewind was impossible", trustPageLsns: false, cancellationToken);
        await FinishReplicaAsync(upstream, cancellationToken);
        File.Delete(ReseedMarker);
        return report;
    }

    public async Task PointAtAsync(PeerEndpoint upstream, CancellationToken cancellationToken)
    {
        WritePassfile();
        if (ApplySettings(upstream))
        {
            await _client.ReloadAsync(cancellationToken);
            LogPointedAt(_logger, upstream.ToString());
        }
    }

    public async Task<long> PromoteAsync(PromotionContext context, CancellationToken cancellationToken)
    {
        var timeline = await _client.PromoteAsync(60, cancellationToken);
        var marker = JsonSerializer.SerializeToUtf8Bytes(new TimelineRecord
        {
            Timeline = timeline,
            Node = context.NodeId,
            Epoch = context.Epoch,
            Reason = context.Reason,
            PromotedAt = context.PromotedAt,
        }, TimelineRecordJson.Default.TimelineRecord);
        try
        {
            await _backups.Store.PutAsync(_backups.Layout.Timeline(timeline), marker, new PutOptions { ContentType = "application/json" }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The promotion stands; only point-in-time restores lose the exact switch time (they follow the latest timeline).
            LogMarkerFailed(_logger, timeline, ex);
        }

        return timeline;
    }

    public async Task EnsurePrimaryAsync(CancellationToken cancellationToken)
    {
        var password = _replication.Password ?? throw new InvalidOperationException("db.replication.password is required");
        var changed = await _client.EnsureReplicationUserAsync(_replication.User, password.Reveal(), cancellationToken);
        var hba = await _client.HbaFileAsync(cancellationToken);
        if (PostgresHba.Apply(hba, _replication.User, _replication.AllowedNetworks, _backups.OsUser))
        {
            await _client.ReloadAsync(cancellationToken);
            changed = true;
        }

        if (changed)
        {
            LogPrimaryReady(_logger, _replication.User, string.Join(", ", _replication.AllowedNetworks));
        }
    }

    public async Task<bool> SetSynchronousAsync(IReadOnlyList<string> standbys, CancellationToken cancellationToken)
    {
        var status = await _client.StatusAsync(cancellationToken);
        if (status.SynchronousStandbys.SequenceEqual(standbys.Order(StringComparer.Ordinal)))
        {
            return false;
        }

        await _client.SetSynchronousStandbyNamesAsync(SynchronousNames.Format(standbys), cancellationToken);
        return true;
    }

    public Task<ReplicationProgress?> ReadPeerAsync(PeerEndpoint peer, TimeSpan timeout, CancellationToken cancellationToken)
        => PostgresReplicationClient.PeerProgressAsync(peer, _replication.User, _replication.Password?.Reveal() ?? string.Empty, timeout, cancellationToken);

    /// <summary>
    /// The postmaster answers PostgreSQL's SSLRequest (8 bytes; one byte back, 'S' or 'N'): it is up and accepting
    /// connections. No credentials needed, nothing logged on the server.
    /// </summary>
    public async Task<string?> ProbeAsync(PeerEndpoint holder, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            using var socket = new Socket(holder.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(holder.Address, holder.Port, bounded.Token);
            byte[] request = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F];
            await socket.SendAsync(request, SocketFlags.None, bounded.Token);
            var answer = new byte[1];
            var n = await socket.ReceiveAsync(answer, SocketFlags.None, bounded.Token);
            return n == 1 && answer[0] is (byte)'S' or (byte)'N' ? null : $"{holder} answered the SSL request with {(n == 0 ? "end of stream" : $"0x{answer[0]:X2}")}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{holder}: no answer within {timeout.TotalMilliseconds:0} ms";
        }
        catch (SocketException ex)
        {
            return $"{holder}: {ex.Message}";
        }
    }

    private async Task<BuildReport> FullRestoreAsync(BaseBackupManifest newest, string why, CancellationToken cancellationToken)
    {
        LogBuilding(_logger, "full restore", newest.Id, why);
        await _backups.Restorer().RestoreAsync(new RestoreRequest
        {
            TargetDirectory = DataDir,
            BackupId = newest.Id,
            RestoreCommand = PostgresBackups.RestoreCommand(_backups.SettingsPath),
            Owner = _backups.OsUser,
            Standby = true,
        }, cancellationToken);
        return new BuildReport("full", newest.Id, newest.StoredBytes, newest.StoredBytes, $"restored backup {newest.Id} in full ({ByteSize.Format(newest.StoredBytes)})");
    }

    /// <summary>Page LSNs can be trusted on a replica's data that shut down cleanly (no torn pages, same history as the archive).</summary>
    private async Task<bool> CleanReplicaAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(ReseedMarker) || !File.Exists(Path.Combine(DataDir, "standby.signal")))
        {
            return false;
        }

        try
        {
            return (await _server.ControlDataAsync(cancellationToken)).State == "shut down in recovery";
        }
        catch (Exception ex) when (ex is NodeAgent.Processes.ProcessFailedException or InvalidDataException or FormatException)
        {
            return false;
        }
    }

    private async Task<BuildReport> DeltaOrFullAsync(BaseBackupManifest newest, string why, bool trustPageLsns, CancellationToken cancellationToken)
    {
        LogBuilding(_logger, "delta re-seed", newest.Id, why);
        try
        {
            var delta = await new DeltaRestorer(_backups.Store, _backups.Layout, _loggers.CreateLogger<DeltaRestorer>())
                .RestoreAsync(newest, DataDir, _backups.OsUser, trustPageLsns, cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(DataDir, "standby.signal"), [], cancellationToken);
            return new BuildReport("delta", newest.Id, delta.TotalFetched, newest.StoredBytes,
                $"delta re-seed from backup {newest.Id}: {delta.FramesFetched} of {delta.FramesTotal} frames, {ByteSize.Format(delta.TotalFetched)} of {ByteSize.Format(newest.StoredBytes)}");
        }
        catch (IndexUnavailableException ex)
        {
            LogNoDelta(_logger, newest.Id, ex.Message);
            foreach (var entry in Directory.EnumerateFileSystemEntries(DataDir))
            {
                if (Directory.Exists(entry) && new DirectoryInfo(entry).LinkTarget is null)
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }

            return await FullRestoreAsync(newest, ex.Message, cancellationToken);
        }
    }

    /// <summary>A replica's files after a build or rewind: its own settings, standby.signal, no recovery.signal, owned by the database user.</summary>
    private async Task FinishReplicaAsync(PeerEndpoint? upstream, CancellationToken cancellationToken)
    {
        WritePassfile();
        File.Delete(Path.Combine(DataDir, "recovery.signal"));
        var standby = Path.Combine(DataDir, "standby.signal");
        if (!File.Exists(standby))
        {
            await File.WriteAllBytesAsync(standby, [], cancellationToken);
        }

        Own(standby);
        ApplySettings(upstream);
        var hba = Path.Combine(DataDir, "pg_hba.conf");
        if (File.Exists(hba))
        {
            PostgresHba.Apply(hba, _replication.User, _replication.AllowedNetworks, _backups.OsUser);
        }
    }

    /// <summary>This node's managed settings in postgresql.auto.conf (see the class summary). Returns true when the file changed.</summary>
    private bool ApplySettings(PeerEndpoint? upstream)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = _replication.ListenAddresses,
            ["port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["wal_level"] = "replica",
            ["hot_standby"] = "on",
            ["wal_log_hints"] = "on",
            ["archive_mode"] = "on",
            ["archive_command"] = PostgresBackups.ArchiveCommand(_backups.SettingsPath),
            ["restore_command"] = PostgresBackups.RestoreCommand(_backups.SettingsPath),
            ["recovery_target_timeline"] = "latest",
            ["primary_conninfo"] = upstream is null ? null : ConnInfo.For(upstream, _replication.User, Passfile, _identity.NodeId),
            ["synchronous_commit"] = _replication.Synchronous ? "on" : null,
            ["recovery_target"] = null,
            ["recovery_target_time"] = null,
            ["recovery_target_lsn"] = null,
            ["recovery_target_action"] = null,
        };
        if (upstream is null && PostgresAutoConf.Read(DataDir, "primary_conninfo") is { } kept && File.Exists(Path.Combine(DataDir, "standby.signal")))
        {
            // A replica whose primary is not known right now keeps following the one it knew.
            settings["primary_conninfo"] = kept;
        }

        return PostgresAutoConf.Apply(DataDir, settings, _backups.OsUser);
    }

    private void WritePassfile()
    {
        var password = _replication.Password ?? throw new InvalidOperationException("db.replication.password is required");
        Directory.CreateDirectory(_postgresStateDir);
        ReplicationPassfile.Write(Passfile, _replication.User, password, _backups.OsUser);
    }

    private void WriteMarker(string backupId)
    {
        Directory.CreateDirectory(_postgresStateDir);
        AtomicFile.WriteAllText(ReseedMarker, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["backup_id"] = backupId,
            ["started_at"] = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture),
        }, NodeAgent.Roles.Db.Replication.Switchover.SwitchoverJson.Default.DictionaryStringString));
    }

    private void Own(string path)
    {
        if (_backups.OsUser is { } owner && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(path, owner.Uid, owner.Gid);
        }
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "…" + text[^400..].Trim();

    [LoggerMessage(EventId = 6410, Level = LogLevel.Information, Message = "Building this replica by {Method} from backup {Id} ({Why})")]
    private static partial void LogBuilding(ILogger logger, string method, string id, string why);

    [LoggerMessage(EventId = 6411, Level = LogLevel.Warning, Message = "Backup {Id} cannot be used for a delta re-seed ({Why}); restoring it in full")]
    private static partial void LogNoDelta(ILogger logger, string id, string why);

    [LoggerMessage(EventId = 6412, Level = LogLevel.Information, Message = "Rejoined as a replica of {Upstream} with pg_rewind: {Detail}")]
    private static partial void LogRewound(ILogger logger, string upstream, string detail);

    [LoggerMessage(EventId = 6413, Level = LogLevel.Warning, Message = "pg_rewind is impossible or failed ({Why}); re-seeding from the archive instead")]
    private static partial void LogRewindImpossible(ILogger logger, string why);

    [LoggerMessage(EventId = 6414, Level = LogLevel.Information, Message = "Replica now follows {Upstream}")]
    private static partial void LogPointedAt(ILogger logger, string upstream);

    [LoggerMessage(EventId = 6415, Level = LogLevel.Error, Message = "Promoted to timeline {Timeline}, but its record could not be written to the archive; restores to a time after it follow the latest timeline")]
    private static partial void LogMarkerFailed(ILogger logger, long timeline, Exception exception);

    [LoggerMessage(EventId = 6416, Level = LogLevel.Information, Message = "Primary ready for replicas: user {User} may replicate from {Networks}")]
    private static partial void LogPrimaryReady(ILogger logger, string user, string networks);
}

using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Configuration;

namespace NodeAgent.Roles.Db.MariaDb.Replication;

/// <summary>
/// A MariaDB node's replication, every <c>db.mariadb.replication.interval</c> (docs/replication-mariadb.md). Each round:
/// <list type="bullet">
/// <item>reads the cluster's <see cref="PrimaryClaim"/> (who is the primary at which epoch) and this node's state file;</item>
/// <item><b>primary</b>: keeps the replication account with the configured secret, turns <c>read_only</c> off, and
/// publishes its position; if a later epoch names another node, it <b>fences</b> itself (<c>read_only = 1</c>) and says so;</item>
/// <item><b>replica</b>: the first time, seeds itself from the primary's newest dump (<see cref="MariaDbReplicaSeeder"/>);
/// afterwards keeps its <c>server_id</c>, follows the primary (re-pointing after a promotion) and publishes its lag and
/// GTID positions;</item>
/// </list>
/// all into the registry record (<see cref="DatabaseView"/>), /metrics and the <c>db-replication</c> readiness check.
/// </summary>
public sealed partial class MariaDbReplicationService : AgentLoop
{
    public const string CheckName = "db-replication";
    private readonly MariaDbConfig _mariaDb;
    private readonly MariaDbReplicationConfig _config;
    private readonly NodeIdentity _identity;
    private readonly MariaDbReplicationClient _client;
    private readonly PrimaryClaimStore _claims;
    private readonly MariaDbPeers _peers;
    private readonly MariaDbReplicaSeeder _seeder;
    private readonly NodeStatusBoard _board;
    private readonly Status.ReadinessState _readiness;
    private readonly MariaDbReplicationMetrics _metrics;
    private readonly string _statePath;
    private readonly uint _serverId;
    private readonly ILogger _logger;
    private bool _accountReady;
    private bool _fenced;

    public MariaDbReplicationService(
        DbSection db, AgentConfig config, NodeIdentity identity, MariaDbBackups backups, INodeRegistry registry, NodeStatusBoard board,
        Status.ReadinessState readiness, MariaDbReplicationMetrics metrics, TimeProvider time, ILogger<MariaDbReplicationService> logger)
        : base(time, logger)
    {
        _mariaDb = db.MariaDb!;
        _config = _mariaDb.Replication!;
        _identity = identity;
        _client = new MariaDbReplicationClient(_mariaDb);
        _claims = new PrimaryClaimStore(backups.Store, config.Cluster);
        _peers = new MariaDbPeers(registry, config.Cluster);
        _seeder = new MariaDbReplicaSeeder(backups, config, identity, _client, logger);
        _board = board;
        _readiness = readiness;
        _metrics = metrics;
        _statePath = LocalReplicationState.PathUnder(config.Node.StateDir);
        _serverId = ServerIds.For(identity);
        _logger = logger;
    }

    public override string LoopName => "MariaDB replication";

    protected override TimeSpan Interval => _config.Interval;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override TimeSpan RetryFloor => TimeSpan.FromSeconds(2);

    protected override TimeSpan RetryCeiling => TimeSpan.FromMinutes(2);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _board.SetPort(MariaDbPeers.PortName, _mariaDb.Port);
        _readiness.Set(CheckName, false, "replication: first round pending");
        return base.StartAsync(cancellationToken);
    }

    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var (claim, _) = await _claims.ReadAsync(cancellationToken);
        var local = LocalReplicationState.Load(_statePath);
        var ownEpoch = local?.State == LocalReplicationState.Promoted ? local.Epoch : 0;
        // A claim naming this node counts only once `db promote` finished here (its state file says so at that epoch):
        // until then the replica is still catching up and must not take writes.
        var promoted = local?.State == LocalReplicationState.Promoted;
        var isPrimary = claim is not null
            ? promoted && ownEpoch >= claim.Epoch
            : _config.Mode == MariaDbReplicationMode.Primary || promoted;
        var wasPrimary = _config.Mode == MariaDbReplicationMode.Primary || local?.State == LocalReplicationState.Promoted;
        if (isPrimary)
        {
            await ServeAsync(claim?.Epoch ?? ownEpoch, cancellationToken);
        }
        else if (wasPrimary)
        {
            await FenceAsync(claim!, cancellationToken);
        }
        else
        {
            await FollowAsync(claim, local, cancellationToken);
        }
    }

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn)
    {
        _readiness.Set(CheckName, false, $"replication round failed: {exception.Message}");
        LogRoundFailed(_logger, retryIn.TotalSeconds, exception);
    }

    private async Task ServeAsync(long epoch, CancellationToken cancellationToken)
    {
        var state = await _client.StateAsync(cancellationToken);
        if (state.ServerId != _serverId)
        {
            await _client.SetServerIdAsync(_serverId, cancellationToken);
        }

        if (!_accountReady)
        {
            var password = _config.Password!.Reveal();
            await _client.EnsureReplicationUserAsync(_config.User, _config.UserHost, password, cancellationToken);
            _accountReady = true;
        }

        if (state.ReadOnly)
        {
            await _client.SetReadOnlyAsync(false, cancellationToken);
            LogServing(_logger, epoch);
        }

        _fenced = false;
        Publish(new DatabaseView
        {
            Role = DatabaseView.Primary,
            Engine = MariaDbPeers.Engine,
            State = "serving",
            Position = Position(state.BinlogPosition),
            Epoch = epoch,
        });
        _metrics.Primary.Set(1);
        _metrics.Replica.Set(0);
        _metrics.Epoch.Set(epoch);
        _readiness.Set(CheckName, true, $"primary at epoch {epoch}");
    }

    private async Task FenceAsync(PrimaryClaim claim, CancellationToken cancellationToken)
    {
        var state = await _client.StateAsync(cancellationToken);
        if (!state.ReadOnly)
        {
            await _client.SetReadOnlyAsync(true, cancellationToken);
        }

        if (!_fenced)
        {
            _fenced = true;
            _metrics.Fenced.Inc();
            LogFenced(_logger, claim.NodeId, claim.Epoch);
        }

        var detail = $"{claim.NodeId} is the primary at epoch {claim.Epoch}; this node is read_only";
        Publish(new DatabaseView
        {
            Role = DatabaseView.Fenced,
            Engine = MariaDbPeers.Engine,
            State = "fenced",
            Position = Position((await _client.StateAsync(cancellationToken)).BinlogPosition),
            Epoch = claim.Epoch,
            Detail = detail,
        });
        _metrics.Primary.Set(0);
        _metrics.Epoch.Set(claim.Epoch);
        _readiness.Set(CheckName, true, detail);
    }

    private async Task FollowAsync(PrimaryClaim? claim, LocalReplicationState? local, CancellationToken cancellationToken)
    {
        var status = await _client.ReplicaStatusAsync(cancellationToken);
        var primary = await _peers.FindPrimaryAsync(claim, _config.Primary, cancellationToken);
        if (!status.Configured)
        {
            if (local?.State == LocalReplicationState.Seeded)
            {
                throw new InvalidOperationException(
                    $"this replica was seeded from dump {local.Dump} but its replication settings are gone (RESET SLAVE by hand?); not seeding over its data: "
                    + $"remove {_statePath} to seed it again from the newest dump");
            }

            if (primary is null)
            {
                PublishReplica(status, null, null, claim?.Epoch ?? 0, "waiting for a MariaDB primary in the registry");
                _readiness.Set(CheckName, false, "replica: no primary in the registry yet");
                return;
            }

            PublishReplica(status, null, primary.NodeId, primary.Epoch, $"seeding from {primary.NodeId}'s newest dump");
            var seeded = await _seeder.SeedAsync(primary, _config, _serverId, cancellationToken);
            new LocalReplicationState { State = LocalReplicationState.Seeded, Dump = seeded.Id, Since = Time.GetUtcNow() }.Save(_statePath);
            status = await _client.ReplicaStatusAsync(cancellationToken);
        }
        else
        {
            var state = await _client.StateAsync(cancellationToken);
            if (state.ServerId != _serverId)
            {
                await _client.SetServerIdAsync(_serverId, cancellationToken);
            }

            if (primary is not null && (primary.Host != status.MasterHost || primary.Port != status.MasterPort))
            {
                LogRepointing(_logger, primary.NodeId, primary.Host, primary.Port);
                await _client.PointAtAsync(primary.Host, primary.Port, _config.User, _config.Password!.Reveal(), cancellationToken);
                status = await _client.ReplicaStatusAsync(cancellationToken);
            }
        }

        var positions = await _client.StateAsync(cancellationToken);
        PublishReplica(status, positions.SlavePosition, primary?.NodeId, primary?.Epoch ?? claim?.Epoch ?? 0, status.LastError);
        _readiness.Set(CheckName, status.Streaming, status.Streaming
            ? $"replica of {primary?.NodeId ?? status.MasterHost}, {status.SecondsBehind ?? 0} s behind"
            : $"replica threads not running: {status.LastError ?? "stopped"}");
    }

    private void PublishReplica(ReplicaStatus status, string? replayed, string? upstream, long epoch, string? detail)
    {
        Publish(new DatabaseView
        {
            Role = status.Configured ? DatabaseView.Replica : DatabaseView.Starting,
            Engine = MariaDbPeers.Engine,
            State = !status.Configured ? "seeding" : status.Streaming ? "streaming" : "stopped",
            Position = Position(status.ReceivedPosition),
            ReplayPosition = Position(replayed),
            LagSeconds = status.SecondsBehind,
            Epoch = epoch,
            Upstream = upstream,
            Detail = Text(detail),
        });
        _metrics.Primary.Set(0);
        _metrics.Replica.Set(status.Configured ? 1 : 0);
        _metrics.Streaming.Set(status.Streaming ? 1 : 0);
        _metrics.LagSeconds.Set(status.SecondsBehind ?? -1);
        _metrics.Epoch.Set(epoch);
    }

    private void Publish(DatabaseView view) => _board.SetDatabase(view);

    /// <summary>A GTID set as the registry accepts it (empty: none yet).</summary>
    private static string? Position(string? gtid) => string.IsNullOrEmpty(gtid) ? null : gtid.Length > DatabaseView.MaxTextLength ? gtid[..DatabaseView.MaxTextLength] : gtid;

    private static string? Text(string? detail)
        => detail is null ? null : new string(detail.Where(c => !char.IsControl(c)).Take(DatabaseView.MaxTextLength).ToArray());

    [LoggerMessage(EventId = 6270, Level = LogLevel.Warning, Message = "MariaDB replication round failed; next attempt in {Seconds:0} s")]
    private static partial void LogRoundFailed(ILogger logger, double seconds, Exception exception);

    [LoggerMessage(EventId = 6271, Level = LogLevel.Information, Message = "MariaDB primary at epoch {Epoch}: read_only off, serving writes")]
    private static partial void LogServing(ILogger logger, long epoch);

    [LoggerMessage(EventId = 6272, Level = LogLevel.Warning, Message = "Fenced: {Primary} is the MariaDB primary at epoch {Epoch}; this server is read_only")]
    private static partial void LogFenced(ILogger logger, string primary, long epoch);

    [LoggerMessage(EventId = 6273, Level = LogLevel.Information, Message = "Re-pointing replication at {Primary} ({Host}:{Port})")]
    private static partial void LogRepointing(ILogger logger, string primary, string host, int port);
}

using System.Globalization;
using NodeAgent.Roles.Db.Engines;
using Npgsql;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// The SQL replication needs: the local server's state (as the configured superuser), promotion, the replication
/// user and its password verifier, synchronous standbys, and another replica's progress (as the replication user,
/// over TCP, with the secret in memory only).
/// </summary>
public sealed class PostgresReplicationClient(string localConnectionString)
{
    public async Task<ReplicationStatus> StatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT pg_is_in_recovery(),
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_flush_lsn()::text END,
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END,
                   pg_last_wal_receive_lsn()::text,
                   pg_last_wal_replay_lsn()::text,
                   extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8,
                   (SELECT status FROM pg_stat_wal_receiver),
                   (SELECT latest_end_lsn::text FROM pg_stat_wal_receiver),
                   (SELECT received_tli::bigint FROM pg_stat_wal_receiver),
                   (SELECT sender_host FROM pg_stat_wal_receiver),
                   (SELECT timeline_id::bigint FROM pg_control_checkpoint()),
                   current_setting('synchronous_standby_names'),
                   (SELECT coalesce(array_agg(application_name ORDER BY application_name), '{}') FROM pg_stat_replication WHERE state = 'streaming'),
                   current_setting('primary_conninfo')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var inRecovery = reader.GetBoolean(0);
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        long? Long(int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);
        var checkpointTli = Long(10);
        if (!inRecovery)
        {
            var flush = Lsn.Parse(Text(1)!);
            var timeline = Long(2) ?? checkpointTli ?? 1;
            return new ReplicationStatus
            {
                IsReplica = false,
                Timeline = timeline,
                Position = flush.ToString(),
                PositionBytes = flush.Value,
                StreamingReplicas = (string[])reader.GetValue(12),
                SynchronousStandbys = SynchronousNames.Parse(Text(11)),
                Progress = new ReplicationProgress(timeline, flush.Value, flush.ToString()),
            };
        }

        var received = Text(3) is { } r ? Lsn.Parse(r) : (Lsn?)null;
        var replayed = Text(4) is { } p ? Lsn.Parse(p) : (Lsn?)null;
        var receiverState = Text(6);
        var latestEnd = Text(7) is { } e ? Lsn.Parse(e) : (Lsn?)null;
        var tli = Long(8) ?? checkpointTli ?? 1;
        var furthest = new Lsn(Math.Max(received?.Value ?? 0, replayed?.Value ?? 0));
        long? lagBytes = latestEnd is { } end && replayed is { } rp ? (long)(end.Value > rp.Value ? end.Value - rp.Value : 0)
            : received is { } rc && replayed is { } rp2 ? (long)(rc.Value > rp2.Value ? rc.Value - rp2.Value : 0) : null;
        double? lagSeconds = lagBytes == 0 ? 0 : reader.IsDBNull(5) ? null : Math.Max(0, reader.GetDouble(5));
        return new ReplicationStatus
        {
            IsReplica = true,
            Timeline = tli,
            Position = received?.ToString(),
            ReplayPosition = replayed?.ToString(),
            PositionBytes = received?.Value,
            ReplayPositionBytes = replayed?.Value,
            LagBytes = lagBytes,
            LagSeconds = lagSeconds,
            ReceiverState = receiverState == "streaming" ? "streaming" : "archive",
            UpstreamHost = Text(9) ?? ConnInfo.Value(Text(13), "host"),
            Progress = new ReplicationProgress(tli, furthest.Value, furthest.ToString()),
        };
    }

    /// <summary>Promotes and waits (up to <paramref name="waitSeconds"/>) until the server accepts writes; returns the new timeline.</summary>
    public async Task<long> PromoteAsync(int waitSeconds, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using (var promote = new NpgsqlCommand("SELECT pg_promote(true, @wait)", connection) { CommandTimeout = waitSeconds + 30 })
        {
            promote.Parameters.AddWithValue("wait", waitSeconds);
            if (await promote.ExecuteScalarAsync(cancellationToken) is not true)
            {
                throw new InvalidOperationException($"pg_promote did not finish within {waitSeconds} s");
            }
        }

        // The end-of-recovery checkpoint of a promotion runs in the background; until it is done the control file still
        // names the old timeline, and pg_rewind on the old primary, reading it, answers "no rewind required" although
        // that node's WAL went past the fork (it then cannot start as a replica). Checkpoint now, so a rejoin at once
        // after the promotion rewinds.
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection) { CommandTimeout = waitSeconds + 30 })
        {
            await checkpoint.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var tli = new NpgsqlCommand("SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint", connection);
        return (long)(await tli.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The replication user exists, may log in and replicate, has the password (set as a SCRAM verifier, only when it
    /// differs) and the grants pg_rewind and the failover gate need. Returns true when anything changed.
    /// </summary>
    public async Task<bool> EnsureReplicationUserAsync(string user, string password, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        string? verifier = null;
        var exists = false;
        await using (var read = new NpgsqlCommand("SELECT rolpassword, rolreplication AND rolcanlogin FROM pg_authid WHERE rolname = @user", connection))
        {
            read.Parameters.AddWithValue("user", user);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                // Counts as in place only with login and replication rights and the current password.
                exists = reader.GetBoolean(1);
                verifier = reader.IsDBNull(0) ? null : reader.GetString(0);
            }
        }

        var quoted = Identifier(user);
        if (exists && ScramVerifier.Matches(verifier, password))
        {
            return false;
        }

        var statements = new List<string>
        {
            $"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') THEN CREATE ROLE {quoted}; END IF; END $$",
            $"ALTER ROLE {quoted} WITH LOGIN REPLICATION PASSWORD '{ScramVerifier.Create(password)}'",
            $"GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO {quoted}",
            $"GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO {quoted}",
            $"GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO {quoted}",
            $"GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO {quoted}",
            $"GRANT pg_monitor TO {quoted}",
        };
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return true;
    }

    /// <summary><c>SHOW hba_file</c>: where the running server reads pg_hba.conf.</summary>
    public async Task<string> HbaFileAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT current_setting('hba_file')", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>ALTER SYSTEM SET synchronous_standby_names and reload.</summary>
    public async Task SetSynchronousStandbyNamesAsync(string value, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using (var set = new NpgsqlCommand($"ALTER SYSTEM SET synchronous_standby_names = {Server.PostgresAutoConf.Literal(value)}", connection))
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>True once the local replica has replayed past <paramref name="position"/>.</summary>
    public async Task<bool> ReplayedPastAsync(Lsn position, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(localConnectionString, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT coalesce(pg_last_wal_replay_lsn() > @p::pg_lsn, false)", connection);
        command.Parameters.AddWithValue("p", position.ToString());
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Another replica's progress, as the replication user; null when it is not a replica or does not answer in time.</summary>
    public static async Task<ReplicationProgress?> PeerProgressAsync(PeerEndpoint peer, string user, string password, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = peer.Address.ToString(),
            Port = peer.Port,
            Username = user,
            Password = password,
            Database = "postgres",
            ApplicationName = "nodeagent-failover",
            GssEncryptionMode = PostgresClient.NoGssEncryption,
            Pooling = false,
            Timeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
        }.ConnectionString;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await using var connection = await OpenAsync(connectionString, bounded.Token);
            await using var command = new NpgsqlCommand("""
                SELECT pg_is_in_recovery(),
                       greatest(coalesce(pg_last_wal_receive_lsn(), '0/0'), coalesce(pg_last_wal_replay_lsn(), '0/0'))::text,
                       coalesce((SELECT received_tli::bigint FROM pg_stat_wal_receiver), (SELECT timeline_id::bigint FROM pg_control_checkpoint()))
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(bounded.Token);
            await reader.ReadAsync(bounded.Token);
            if (!reader.GetBoolean(0))
            {
                return null;
            }

            var lsn = Lsn.Parse(reader.GetString(1));
            var tli = reader.IsDBNull(2) ? 1 : reader.GetInt64(2);
            return new ReplicationProgress(tli, lsn.Value, lsn.ToString());
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public static string Identifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

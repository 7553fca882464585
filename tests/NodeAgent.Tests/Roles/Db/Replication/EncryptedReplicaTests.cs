using NodeAgent.Testing;
using NodeAgent.Testing.Replication;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>
/// Replication on an encrypted archive (<c>db.backup.encryption</c>): the replica is built from a base backup that is
/// sealed (and has no delta index, which would list the files in the clear), catches up through <c>wal-fetch</c>, which
/// opens sealed WAL as the database's OS user, and streams. Real PostgreSQL 15, the local S3/SQS server and BIND.
/// </summary>
[Collection(DatabaseServerCollections.A)]
public sealed class EncryptedReplicaTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AReplicaBuiltFromAnEncryptedArchive_Streams_AndHasThePrimarysRows_WhileNothingUnderThePrefixIsInTheClear()
    {
        await using var bind = await BindServer.StartAsync();
        using var keys = new TempDir("nodeagent-repl-key");
        var keyFile = EncryptedObjects.WriteLocalKey(keys.Combine("backup.key"));
        NodeAgent.Roles.Db.Backup.UnixModes.Set(keys.Path, (UnixFileMode)0x1ED);
        NodeAgent.Roles.Db.Backup.UnixModes.Set(keyFile, (UnixFileMode)0x1A4); // wal-fetch runs as postgres
        await using var group = await ReplicationGroup.StartAsync(bind, new ReplicationOptions { EncryptionKeyFile = keyFile });
        var primary = group.AddNode("db-1", "primary");
        var replica = group.AddNode("db-2", "replica");

        await primary.InitAsync();
        primary.Start();
        await primary.WaitForAsync(async () => (await primary.CheckAsync("db-replication")) is { Ready: true, Detail: var d } && d.StartsWith("primary", StringComparison.Ordinal) ? d : null, Patience, "the primary serving");
        const string marker = "clear-text-marker-7f3a";
        await primary.ExecAsync($"CREATE TABLE secrets AS SELECT g AS id, '{marker}' || g AS payload FROM generate_series(1, 20000) g");
        var backup = await AgentProcess.RunAsync(["backup", "push", "--user-data", primary.UserData], Patience);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        await primary.ExecAsync($"INSERT INTO secrets SELECT g, '{marker}' || g FROM generate_series(20001, 20500) g");
        await primary.ExecAsync("SELECT pg_switch_wal()");

        replica.Start();
        await replica.WaitForAsync(async () => (await primary.ScalarAsync<object>("SELECT state FROM pg_stat_replication WHERE application_name = 'db-2'")) as string == "streaming" ? "yes" : null,
            Patience, "db-2 streaming from db-1");
        await primary.ExecAsync($"INSERT INTO secrets SELECT g, '{marker}' || g FROM generate_series(20501, 21000) g");
        var end = await primary.ScalarAsync<string>("SELECT pg_current_wal_flush_lsn()::text");
        await replica.WaitForAsync(async () => await replica.ScalarAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{end}'::pg_lsn") ? "yes" : null, Patience, "replay to the primary's end");

        Assert.Equal(21000L, await replica.ScalarAsync<long>("SELECT count(*) FROM secrets"));
        await using var services = group.Stack.Services(group.Bucket);
        var store = group.Stack.Store(services);
        var objects = await EncryptedObjects.AssertNothingInTheClearAsync(store, group.Prefix, marker);
        Assert.True(objects > 3, $"only {objects} objects under {group.Prefix}");
        var listing = await store.ListAsync(group.Prefix + "/base/", null, CancellationToken.None);
        Assert.DoesNotContain(listing.Objects, o => o.Key.EndsWith("/index.json.zst", StringComparison.Ordinal));
        Assert.Contains(listing.Objects, o => o.Key.EndsWith("/base.tar.zst", StringComparison.Ordinal));
    }
}

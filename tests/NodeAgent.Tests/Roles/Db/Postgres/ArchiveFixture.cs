using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Aws;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Postgres;
using NodeAgent.Storage;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Db.Postgres;

/// <summary>
/// One test's archive: a bucket on a local S3, the settings file wal-push/wal-fetch read (group-readable by postgres),
/// the archive/restore commands that run the real agent binary, and the library objects the agent itself uses.
/// </summary>
public sealed class ArchiveFixture : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private ArchiveFixture(string bucket, AwsSection aws, TempDir dir, ServiceProvider services, string prefix)
    {
        Bucket = bucket;
        Aws = aws;
        Dir = dir;
        _services = services;
        Prefix = prefix;
        Store = services.GetRequiredService<IObjectStore>();
    }

    public string Bucket { get; }

    public AwsSection Aws { get; }

    public TempDir Dir { get; }

    public string Prefix { get; }

    public IObjectStore Store { get; }

    public ArchiveLayout Layout => new(Prefix);

    /// <summary>Client-side encryption for everything this archive writes and reads (set before <see cref="WriteSettings"/>); null: none.</summary>
    public BackupEncryptionConfig? Encryption
    {
        get => _encryption;
        set
        {
            _encryption = value;
            Cipher = BackupCiphers.Create(value, Aws, NullLogger.Instance);
        }
    }

    public BackupCipher Cipher { get; private set; } = BackupCipher.None;

    private BackupEncryptionConfig? _encryption;

    public string SettingsPath => Dir.Combine("config", "archive.json");

    public static async Task<ArchiveFixture> CreateAsync(LocalStack stack, Uri? s3Endpoint = null, RetryConfig? retry = null)
    {
        var bucket = await stack.CreateBucketAsync("pg");
        var aws = stack.Aws(bucket, retry) with { S3Endpoint = s3Endpoint ?? stack.Endpoint };
        var dir = new TempDir("nodeagent-archive");
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddObjectStore(aws)
            .AddMessageQueue(aws)
            .BuildServiceProvider();
        return new ArchiveFixture(bucket, aws, dir, services, $"test/backups/postgresql/{Guid.NewGuid():N}");
    }

    /// <summary>Writes the settings file for a cluster's data directory (no agent socket: wal-push archives in-process).</summary>
    public void WriteSettings(string dataDir, int compressionLevel = 3)
        => ArchiveConfigWriter.Write(SettingsPath, ArchiveSettings.From(Aws, Prefix, dataDir, compressionLevel, prefetch: 4, Encryption), PostgresCluster.PostgresUser);

    public string ArchiveCommand => $"dotnet {RepoPaths.AgentDll} wal-push --config {SettingsPath} %p";

    public string RestoreCommand => $"dotnet {RepoPaths.AgentDll} wal-fetch --config {SettingsPath} %f %p";

    public BaseBackupRunner Runner(PostgresCluster cluster, TimeSpan? walTimeout = null) => new(
        Store, Layout, new PostgresClient(Config(cluster)), new CliWrapProcessRunner(), Config(cluster), 3, walTimeout ?? TimeSpan.FromMinutes(2), TimeProvider.System, NullLogger.Instance, Cipher);

    public PostgresRestorer Restorer() => new(Store, Layout, NullLogger.Instance, Cipher);

    public RetentionRunner Retention() => new(Store, Layout, NullLogger.Instance);

    public static PostgreSqlConfig Config(PostgresCluster cluster) => new()
    {
        DataDir = cluster.DataDir,
        BinDir = PostgresCluster.BinDir,
        Host = "127.0.0.1",
        Port = cluster.Port,
        User = "postgres",
    };

    /// <summary>Restores into a new directory and starts PostgreSQL on it, waiting until recovery has ended.</summary>
    public async Task<PostgresCluster> RestoreAndStartAsync(RecoveryTarget target, string? backupId = null)
    {
        var restoreDir = Dir.Combine($"restore-{Guid.NewGuid():N}");
        await Restorer().RestoreAsync(new RestoreRequest
        {
            TargetDirectory = restoreDir,
            Target = target,
            BackupId = backupId,
            RestoreCommand = RestoreCommand,
            Owner = PostgresCluster.PostgresUser,
        }, CancellationToken.None);
        var restored = await PostgresCluster.AdoptAsync(restoreDir);
        try
        {
            await restored.StartServerAsync();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (await restored.ScalarAsync<bool>("SELECT pg_is_in_recovery()"))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"recovery did not end:\n{PostgresCluster.Tail(restored.Log)}");
                await Task.Delay(200);
            }
        }
        catch
        {
            await restored.DisposeAsync();
            throw;
        }

        return restored;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Dir.Dispose();
    }
}

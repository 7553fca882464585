using System.Diagnostics;
using System.Globalization;
using NodeAgent.Testing;
using NodeAgent.Testing.Replication;

namespace NodeAgent.Bench.Replica;

/// <summary>
/// The anchor: pgBackRest 2.45 against the same S3 server (through nginx with a self-signed certificate, since
/// pgBackRest speaks S3 over TLS only), zstd level 1 like the agent's bench settings. The primary archives to both
/// repositories (its archive_command runs the agent's client, then pgbackrest archive-push), so both tools build their
/// standby from a complete archive of their own.
/// </summary>
public sealed class PgBackRestAnchor : IAsyncDisposable
{
    private readonly string _dir;
    private readonly int _nginxPid;

    private PgBackRestAnchor(string dir, int nginxPid, string config)
    {
        _dir = dir;
        _nginxPid = nginxPid;
        Config = config;
    }

    public string Config { get; }

    public static async Task<PgBackRestAnchor> StartAsync(string dir, LocalStack stack, string bucket, ReplicationNode primary, string socketDir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "nginx", "tmp"));
        NodeAgent.Roles.Db.Backup.UnixModes.Set(Path.Combine(dir, "nginx", "tmp"), (UnixFileMode)0x1FF);
        await Shell.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", Path.Combine(dir, "key.pem"), "-out", Path.Combine(dir, "cert.pem")]);
        var port = LoopbackPorts.Free();
        await File.WriteAllTextAsync(Path.Combine(dir, "nginx", "nginx.conf"), $$"""
            worker_processes 1;
            pid {{dir}}/nginx/nginx.pid;
            error_log {{dir}}/nginx/error.log warn;
            events { worker_connections 1024; }
            http {
              access_log off;
              client_body_temp_path {{dir}}/nginx/tmp;
              proxy_temp_path {{dir}}/nginx/tmp;
              upstream s3 { server 127.0.0.1:{{stack.Endpoint.Port}}; keepalive 32; }
              server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {{dir}}/cert.pem;
                ssl_certificate_key {{dir}}/key.pem;
                client_max_body_size 0;
                proxy_request_buffering off;
                proxy_buffering off;
                location / { proxy_pass http://s3; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; }
              }
            }
            """);
        await Shell.RunAsync("nginx", ["-c", Path.Combine(dir, "nginx", "nginx.conf"), "-p", Path.Combine(dir, "nginx")]);
        var nginxPid = int.Parse((await File.ReadAllTextAsync(Path.Combine(dir, "nginx", "nginx.pid"))).Trim(), CultureInfo.InvariantCulture);
        foreach (var sub in new[] { "lock", "spool", "log", "standby-log" })
        {
            Directory.CreateDirectory(Path.Combine(dir, "pgbr", sub));
        }

        var config = Path.Combine(dir, "pgbr", "pgbackrest.conf");
        await File.WriteAllTextAsync(config, $"""
            [global]
            repo1-type=s3
            repo1-path=/pgbackrest
            repo1-s3-bucket={bucket}
            repo1-s3-endpoint=127.0.0.1
            repo1-storage-port={port}
            repo1-s3-region=us-east-1
            repo1-s3-key={LocalStack.AccessKey}
            repo1-s3-key-secret={LocalStack.SecretKey}
            repo1-s3-uri-style=path
            repo1-storage-verify-tls=n
            compress-type=zst
            compress-level=1
            start-fast=y
            archive-async=n
            log-level-console=warn
            log-level-file=off
            lock-path={dir}/pgbr/lock
            spool-path={dir}/pgbr/spool
            log-path={dir}/pgbr/log

            [bench]
            pg1-path={primary.DataDir}
            pg1-port={primary.PgPort}
            pg1-socket-path={socketDir}
            """);
        await Shell.RunAsync("chown", ["-R", "postgres:postgres", Path.Combine(dir, "pgbr")]);
        await Shell.RunAsync("pgbackrest", [$"--config={config}", "--stanza=bench", "stanza-create"], asPostgres: true);
        return new PgBackRestAnchor(dir, nginxPid, config);
    }

    public string ArchivePush => $"pgbackrest --config={Config} --stanza=bench archive-push %p";

    public Task BackupAsync() => Shell.RunAsync("pgbackrest", [$"--config={Config}", "--stanza=bench", "--type=full", "backup"], asPostgres: true);

    /// <summary>restore --type=standby into an empty directory, then start it on <paramref name="port"/>; returns once the primary shows it streaming.</summary>
    public async Task<TimeSpan> StandbyToStreamingAsync(ReplicationNode primary, string replicationPassfile, string data, int port, TimeSpan timeout)
    {
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        Directory.CreateDirectory(data);
        await Shell.RunAsync("chown", ["postgres:postgres", data]);
        NodeAgent.Roles.Db.Backup.UnixModes.Set(data, (UnixFileMode)0x1C0);
        var clock = Stopwatch.StartNew();
        await Shell.RunAsync("pgbackrest", [$"--config={Config}", "--stanza=bench", $"--pg1-path={data}", "--type=standby",
            $"--recovery-option=primary_conninfo=host={primary.Address} port={primary.PgPort} user=replicator passfile={replicationPassfile} application_name=pgbr", "restore"], asPostgres: true);
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.auto.conf"), $"port = '{port}'\n");
        await Shell.RunAsync(Path.Combine(PostgresCluster.BinDir, "pg_ctl"), ["-D", data, "-l", Path.Combine(_dir, "pgbr", "standby-log", "postgresql.log"), "-W", "start"], asPostgres: true);
        while (await primary.ScalarAsync<object>("SELECT state FROM pg_stat_replication WHERE application_name = 'pgbr'") as string != "streaming")
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"the pgBackRest standby did not stream within {timeout}");
            }

            await Task.Delay(50);
        }

        var elapsed = clock.Elapsed;
        await Shell.RunAsync(Path.Combine(PostgresCluster.BinDir, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asPostgres: true);
        Directory.Delete(data, recursive: true);
        return elapsed;
    }

    public ValueTask DisposeAsync()
    {
        UnixSignals.Send(_nginxPid, UnixSignals.SigTerm);
        return ValueTask.CompletedTask;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NodeAgent.Configuration;

namespace NodeAgent.Testing;

/// <summary>
/// A real BIND 9 (Debian's <c>named</c>) in the foreground on 127.0.0.1 and a free port, with one dynamic zone that a
/// TSIG key (HMAC-SHA256) may update, all in its own temp directory. named only listens on addresses that are
/// configured on an interface, so it uses 127.0.0.1 (not a 127.x.y.z alias) and a port free for both UDP and TCP.
/// It can be stopped and started again on the same port with its zone intact (the journal keeps the updates).
/// A missing named is a failure, not a skip.
/// </summary>
public sealed class BindServer : IAsyncDisposable
{
    public const string KeyName = "nodeagent-test";
    public const string NamedBinary = "/usr/sbin/named";

    private readonly TempDir _dir;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private BindServer(TempDir dir, string zone, int port, string secret)
    {
        _dir = dir;
        Zone = zone;
        Port = port;
        Secret = secret;
    }

    public string Zone { get; }

    public IPAddress Address => IPAddress.Loopback;

    public int Port { get; }

    /// <summary>The TSIG key's secret, base64.</summary>
    public string Secret { get; }

    public string Log => string.Join('\n', _log);

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<BindServer> StartAsync(string? zone = null)
    {
        if (!File.Exists(NamedBinary))
        {
            throw new InvalidOperationException($"{NamedBinary} is missing: install Debian's bind9 package (tools/deps.sh does)");
        }

        var dir = new TempDir("nodeagent-bind");
        zone ??= $"z{Guid.NewGuid():N}"[..12] + ".test";
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var server = new BindServer(dir, zone, FreeUdpAndTcpPort(), secret);
        server.WriteConfig();
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>The <c>dns.rfc2136</c> settings for this server (optionally with a wrong secret or key name).</summary>
    public Rfc2136Config Config(string? secret = null, string? keyName = null) => new()
    {
        Server = Address,
        Port = Port,
        KeyName = keyName ?? KeyName,
        KeySecret = SecretValue.Literal(secret ?? Secret),
    };

    /// <summary>The YAML <c>dns:</c> block for user-data files that point at this server.</summary>
    public string DnsYaml(string extra = "") => $$"""
        dns:
          zone: {{Zone}}
          provider: rfc2136
          timeout: 3s
          rfc2136: {server: {{Address}}, port: {{Port}}, key_name: {{KeyName}}, key_secret: "{{Secret}}"}
        {{extra}}
        """;

    /// <summary>Starts named again after <see cref="StopAsync"/>, on the same port with the same zone data.</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>Stops named gracefully (SIGTERM, so the journal is complete) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        _ = UnixSignals.Send(process.Id, UnixSignals.SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _dir.Dispose();
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(NamedBinary, ["-g", "-4", "-n", "1", "-c", _dir.Combine("named.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start named");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"named exited with code {process.ExitCode}:\n{Log}");
            }

            if (_log.Any(l => l.EndsWith(" running", StringComparison.Ordinal)) && await AcceptsTcpAsync())
            {
                return;
            }

            await Task.Delay(50);
        }

        KillQuietly(process);
        throw new InvalidOperationException($"named did not start within 20 s:\n{Log}");
    }

    private async Task<bool> AcceptsTcpAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(Address, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void WriteConfig()
    {
        File.WriteAllText(_dir.Combine("named.conf"), $$"""
            options {
              directory "{{_dir.Path}}";
              listen-on port {{Port}} { {{Address}}; };
              listen-on-v6 { none; };
              pid-file "{{_dir.Combine("named.pid")}}";
              session-keyfile "{{_dir.Combine("session.key")}}";
              recursion no;
              dnssec-validation no;
              notify no;
              allow-query { any; };
              minimal-responses yes;
            };
            controls { };
            key "{{KeyName}}" { algorithm hmac-sha256; secret "{{Secret}}"; };
            zone "{{Zone}}" {
              type primary;
              file "{{_dir.Combine("zone.db")}}";
              update-policy { grant {{KeyName}} zonesub ANY; };
            };
            """);
        File.WriteAllText(_dir.Combine("zone.db"), $"""
            $TTL 60
            @ IN SOA ns.{Zone}. hostmaster.{Zone}. 1 60 60 3600 5
            @ IN NS ns.{Zone}.
            ns IN A 127.0.0.1
            """ + "\n");
    }

    private static int FreeUdpAndTcpPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for UDP; try another.
            }
        }

        throw new InvalidOperationException("no port free for both UDP and TCP on 127.0.0.1");
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}

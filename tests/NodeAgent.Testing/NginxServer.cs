using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace NodeAgent.Testing;

/// <summary>
/// A real nginx (Debian package) serving one loopback address and port, as a web node's web server: <c>/</c> answers
/// with the server's name (and header <c>X-Node</c>), <c>/healthz</c> with 200. Single process (no master), so a
/// SIGKILL takes the whole server down at once, like a crashed node.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;

    private NginxServer(Process process, string name, IPAddress address, int port, string directory)
    {
        _process = process;
        Name = name;
        Address = address;
        Port = port;
        Directory = directory;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public string Directory { get; }

    public string AccessLog => Path.Combine(Directory, "access.log");

    public bool HasExited => _process.HasExited;

    public static async Task<NginxServer> StartAsync(string parentDirectory, string name, IPAddress address, int? port = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing; run tools/deps.sh (./test.sh does)");
        }

        var dir = Path.Combine(parentDirectory, "nginx-" + name);
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        var listenPort = port ?? LoopbackPorts.Free(address);
        var config = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            master_process off;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log;
            events { worker_connections 512; }
            http {
                log_format timed '$msec $remote_addr "$request" $status "$http_user_agent"';
                access_log {{dir}}/access.log timed;
                client_body_temp_path {{dir}}/tmp;
                proxy_temp_path {{dir}}/tmp;
                fastcgi_temp_path {{dir}}/tmp;
                uwsgi_temp_path {{dir}}/tmp;
                scgi_temp_path {{dir}}/tmp;
                default_type text/plain;
                keepalive_timeout 30s;
                server {
                    listen {{address}}:{{listenPort}};
                    location = /healthz { return 200 "ok\n"; }
                    location / { add_header X-Node {{name}} always; return 200 "{{name}}\n"; }
                }
            }
            """);
        var start = new ProcessStartInfo(Binary, ["-c", config, "-p", dir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start nginx");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var server = new NginxServer(process, name, address, listenPort, dir);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var log = File.Exists(Path.Combine(dir, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(dir, "error.log")) : string.Empty;
                throw new InvalidOperationException($"nginx {name} exited at start: {log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(address, listenPort);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await server.DisposeAsync();
        throw new TimeoutException($"nginx {name} did not listen on {address}:{listenPort} within 10 s");
    }

    /// <summary>SIGKILL: the server vanishes mid-flight, as when its node dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }
}

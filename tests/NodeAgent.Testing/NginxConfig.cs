using System.Net;

namespace NodeAgent.Testing;

/// <summary>
/// A Debian nginx config for one app: listens on a loopback address, serves <c>&lt;root&gt;/&lt;app&gt;/current</c>
/// (resolved per request, so a switch of <c>current</c> is seen by the next request), runs in the foreground with
/// every path inside the test's own directory.
/// </summary>
public static class NginxConfig
{
    /// <param name="nodeId">When given, every answer carries <c>X-Node</c> (who answered) and <c>X-Release</c> (the
    /// release directory <c>current</c> resolved to).</param>
    /// <param name="workers">nginx worker processes.</param>
    /// <param name="connections">Connections per worker.</param>
    /// <param name="keepaliveRequests">Requests per keep-alive connection, when not nginx's default (a load client
    /// that should never have to reconnect).</param>
    /// <param name="slowPrefix">When given, files under this path are sent at 64 KB/s (a long request in flight, to
    /// see a drain wait for it).</param>
    public static string Write(string dir, IPAddress address, int port, string currentPath, string? nodeId = null,
        int workers = 1, int connections = 256, int? keepaliveRequests = null, string? slowPrefix = null)
    {
        var headers = nodeId is null
            ? "add_header Cache-Control no-store;"
            : $"add_header Cache-Control no-store always; add_header X-Node {nodeId} always; add_header X-Release $realpath_root always;";
        Directory.CreateDirectory(Path.Combine(dir, "nginx", "tmp"));
        var conf = Path.Combine(dir, "nginx", "nginx.conf");
        var n = Path.Combine(dir, "nginx");
        File.WriteAllText(conf, $$"""
            daemon off;
            worker_processes {{workers}};
            pid {{n}}/nginx.pid;
            error_log {{n}}/error.log;
            events { worker_connections {{connections}}; }
            http {
              access_log off;
              client_body_temp_path {{n}}/tmp/body;
              proxy_temp_path {{n}}/tmp/proxy;
              fastcgi_temp_path {{n}}/tmp/fastcgi;
              uwsgi_temp_path {{n}}/tmp/uwsgi;
              scgi_temp_path {{n}}/tmp/scgi;
              open_file_cache off;{{(keepaliveRequests is { } k ? $"\n  keepalive_requests {k};" : string.Empty)}}
              default_type text/plain;
              server {
                listen {{address}}:{{port}};
                root {{currentPath}};
                location / { {{headers}} }{{(slowPrefix is null ? string.Empty : $"\n    location {slowPrefix} {{ {headers} limit_rate 64k; }}")}}
              }
            }
            """);
        return conf;
    }

    /// <summary>The <c>web.server</c> command as YAML flow list.</summary>
    public static string CommandYaml(string conf) => $"[nginx, -c, \"{conf}\", -e, \"{Path.Combine(Path.GetDirectoryName(conf)!, "error.log")}\"]";
}

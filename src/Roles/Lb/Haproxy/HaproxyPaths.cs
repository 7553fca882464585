using NodeAgent.Configuration;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// The files the lb role owns in <c>lb.haproxy_dir</c> (default <c>&lt;state_dir&gt;/haproxy</c>): the generated config,
/// the membership it was generated from, the server-state file, the runtime and master sockets, the pid file and the
/// access-log socket.
/// </summary>
public sealed record HaproxyPaths
{
    /// <summary>sun_path is 108 bytes on Linux, including the terminating NUL.</summary>
    public const int MaxSocketPath = 107;

    public HaproxyPaths(string directory)
    {
        Directory = directory;
        foreach (var socket in new[] { AdminSocket, MasterSocket, LogSocket })
        {
            if (System.Text.Encoding.UTF8.GetByteCount(socket) > MaxSocketPath)
            {
                throw new InvalidOperationException(
                    $"HAProxy socket path {socket} is longer than {MaxSocketPath} bytes; set lb.haproxy_dir to a shorter directory");
            }
        }
    }

    public string Directory { get; }

    public string Config => Path.Combine(Directory, "haproxy.cfg");

    public string Membership => Path.Combine(Directory, "membership.json");

    public string ServerState => Path.Combine(Directory, "server-state");

    public string AdminSocket => Path.Combine(Directory, "admin.sock");

    public string MasterSocket => Path.Combine(Directory, "master.sock");

    public string PidFile => Path.Combine(Directory, "haproxy.pid");

    public string LogSocket => Path.Combine(Directory, "log.sock");

    public static HaproxyPaths For(LbSection lb, NodeSection node)
        => new(lb.HaproxyDir ?? Path.Combine(node.StateDir, "haproxy"));
}

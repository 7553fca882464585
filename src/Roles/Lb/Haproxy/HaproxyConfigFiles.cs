using System.Text.Json;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// The lb's files on disk, always replaced atomically: <c>haproxy.cfg</c> and <c>membership.json</c> (rewritten when
/// the membership changes, without a reload: they are what the next reload or restart loads), and the server-state
/// file (the <c>show servers state</c> dump that carries drain/maintenance and check states across reloads).
/// </summary>
public sealed partial class HaproxyConfigFiles(LbSection lb, AgentConfig config, HaproxyPaths paths, ILogger<HaproxyConfigFiles> logger)
{
    private readonly LbSection _lb = lb;
    private string? _lastState;

    /// <summary>The membership last written (or loaded at startup).</summary>
    public HaproxyMembership Membership { get; private set; } = HaproxyMembership.Empty;

    /// <summary>
    /// Loads membership.json. Each entry is checked on its own: a bad one (a name that is not a node id, a bad address,
    /// port or id) is dropped with its reason logged, the rest is kept; a damaged file is logged and replaced by an
    /// empty membership. Either way the lb starts, and the registry listing refills what is missing.
    /// </summary>
    public HaproxyMembership Load()
    {
        try
        {
            var (loaded, dropped) = HaproxyMembership.Load(paths.Membership);
            foreach (var reason in dropped)
            {
                LogMembershipEntryDropped(logger, paths.Membership, reason);
            }

            Membership = new HaproxyMembership(loaded.Servers.Where(s => _lb.Backends.Any(b => b.App == s.App)).ToList());
            if (dropped.Count > 0)
            {
                // Rewritten at once without the bad entries: a file that fails validation is never left on disk.
                Membership.Save(paths.Membership);
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or IOException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            LogMembershipUnreadable(logger, paths.Membership, ex);
            Membership = HaproxyMembership.Empty;
        }

        return Membership;
    }

    /// <summary>Writes the config (and membership.json) for <paramref name="membership"/>; returns whether anything changed.</summary>
    public bool Write(HaproxyMembership membership)
    {
        Directory.CreateDirectory(paths.Directory);
        var text = HaproxyConfigRenderer.Render(_lb, paths, membership, config.Cluster);
        var changed = !File.Exists(paths.Config) || File.ReadAllText(paths.Config) != text;
        if (changed)
        {
            AtomicFile.WriteAllText(paths.Config, text);
        }

        if (changed || !File.Exists(paths.Membership) || !membership.Servers.SequenceEqual(Membership.Servers))
        {
            membership.Save(paths.Membership);
        }

        Membership = membership;
        return changed;
    }

    /// <summary>Creates an empty server-state file when there is none (HAProxy warns about a missing one).</summary>
    public void EnsureStateFile()
    {
        if (!File.Exists(paths.ServerState))
        {
            AtomicFile.WriteAllText(paths.ServerState, "1\n");
        }
    }

    /// <summary>Stores a <c>show servers state</c> dump if it differs in anything but the per-second timers.</summary>
    public bool WriteState(string dump)
    {
        var comparable = string.Join('\n', dump.Split('\n').Select(StripTimer));
        if (comparable == _lastState)
        {
            return false;
        }

        AtomicFile.WriteAllText(paths.ServerState, dump.EndsWith('\n') ? dump : dump + "\n");
        _lastState = comparable;
        return true;
    }

    /// <summary>Drops srv_time_since_last_change (the 10th column), which changes every second.</summary>
    private static string StripTimer(string line)
    {
        if (line.StartsWith('#') || line.Length == 0)
        {
            return line;
        }

        var fields = line.Split(' ');
        return fields.Length > 9 ? string.Join(' ', fields.Take(9).Concat(fields.Skip(10))) : line;
    }

    [LoggerMessage(EventId = 4121, Level = LogLevel.Warning, Message = "{File}: dropped an entry that does not pass validation: {Reason}")]
    private static partial void LogMembershipEntryDropped(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 4120, Level = LogLevel.Warning, Message = "Cannot read {File}; starting HAProxy with no servers until the registry listing refills them")]
    private static partial void LogMembershipUnreadable(ILogger logger, string file, Exception exception);
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// The servers HAProxy should have, per app, as written into the config file (and into <c>membership.json</c>, from
/// which the config is regenerated after an agent restart). Immutable: every change makes a new one.
/// </summary>
public sealed record HaproxyMembership(IReadOnlyList<HaproxyServer> Servers)
{
    public static readonly HaproxyMembership Empty = new([]);

    public IEnumerable<HaproxyServer> ForApp(string app) => Servers.Where(s => s.App == app).OrderBy(s => s.Id);

    public HaproxyServer? Find(ServerKey key) => Servers.FirstOrDefault(s => s.Key == key);

    public HaproxyMembership With(HaproxyServer server)
        => new(Servers.Where(s => s.Key != server.Key).Append(server).OrderBy(s => s.App, StringComparer.Ordinal).ThenBy(s => s.Id).ToList());

    public HaproxyMembership Without(ServerKey key)
        => new(Servers.Where(s => s.Key != key).ToList());

    /// <summary>
    /// The servers HAProxy runs in our backends (<c>show servers state</c>), as a membership to write into the config;
    /// a server that would not pass validation (an address that is not an IP address, a name that is not a node id:
    /// never one of ours) is left out, so it is never persisted.
    /// </summary>
    public static HaproxyMembership FromRunning(IReadOnlyList<ServerState> running)
        => new(running.Where(s => s.App is not null && Addresses.TryParse(s.Address, out _))
            .Select(s => new HaproxyServer(s.App!, s.Name, IPAddress.Parse(s.Address), s.Port, s.Id))
            .Where(s => s.Problem() is null)
            .OrderBy(s => s.App, StringComparer.Ordinal).ThenBy(s => s.Id)
            .ToList());

    /// <summary>Whether HAProxy runs exactly the servers of this membership (same apps, names, addresses, ports and ids).</summary>
    public bool SameServersAs(IReadOnlyList<ServerState> running) => FromRunning(running).Servers.ToHashSet().SetEquals(Servers);

    /// <summary>The smallest id not used in the app's backend by this membership nor by <paramref name="taken"/>.</summary>
    public int NextId(string app, IEnumerable<int> taken)
    {
        var used = Servers.Where(s => s.App == app).Select(s => s.Id).Concat(taken).ToHashSet();
        var id = 1;
        while (used.Contains(id))
        {
            id++;
        }

        return id;
    }

    /// <summary>The most servers membership.json may hold (a file larger than this many entries is not ours).</summary>
    public const int MaxServers = 4000;

    /// <summary>
    /// Reads membership.json. Every entry is checked on its own (<see cref="HaproxyServer.Problem"/>): a bad one is
    /// dropped and its reason returned, the rest is kept. A file that is not a JSON list at all throws.
    /// </summary>
    public static (HaproxyMembership Membership, IReadOnlyList<string> Dropped) Load(string path)
    {
        if (!File.Exists(path))
        {
            return (Empty, []);
        }

        if (new FileInfo(path).Length > 4 * 1024 * 1024)
        {
            throw new InvalidDataException($"{path} is larger than 4 MiB");
        }

        // Entries may be JSON null: the file is read as untrusted input.
        IReadOnlyList<StoredServer?> stored = JsonSerializer.Deserialize(File.ReadAllBytes(path), HaproxyMembershipJson.Default.ListStoredServer)
                     ?? throw new InvalidDataException($"{path} holds JSON null");
        var servers = new List<HaproxyServer>();
        var dropped = new List<string>();
        foreach (var entry in stored.Take(MaxServers))
        {
            if (entry is null || !Addresses.TryParse(entry.Address, out var address))
            {
                dropped.Add($"entry {(entry is null ? "null" : $"'{SafeText.Escape(entry.App)}/{SafeText.Escape(entry.Name)}'")}: address is not an IP address");
                continue;
            }

            var server = new HaproxyServer(entry.App, entry.Name, address, entry.Port, entry.Id);
            if (server.Problem() is { } problem)
            {
                dropped.Add($"entry '{SafeText.Escape(entry.App)}/{SafeText.Escape(entry.Name)}': {problem}");
                continue;
            }

            if (servers.Any(s => s.Key == server.Key || (s.App == server.App && s.Id == server.Id)))
            {
                dropped.Add($"entry '{server.Key}': a second entry for the same server or id");
                continue;
            }

            servers.Add(server);
        }

        if (stored.Count > MaxServers)
        {
            dropped.Add($"{stored.Count - MaxServers} entries past the first {MaxServers}");
        }

        return (new HaproxyMembership(servers), dropped);
    }

    /// <summary>Writes membership.json, after checking every entry: nothing is persisted that <see cref="Load"/> would drop.</summary>
    public void Save(string path)
    {
        if (Servers.Select(s => s.Problem()).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new InvalidDataException($"refusing to write membership.json: {problem}");
        }

        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(
            Servers.Select(s => new StoredServer(s.App, s.Name, s.Address.ToString(), s.Port, s.Id)).ToList(), HaproxyMembershipJson.Default.ListStoredServer));
    }
}

/// <summary>One server as stored in <c>membership.json</c>.</summary>
internal sealed record StoredServer(string App, string Name, string Address, int Port, int Id);

/// <summary>Source-generated JSON of <c>membership.json</c> (the installed agent is NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(List<StoredServer>))]
internal sealed partial class HaproxyMembershipJson : JsonSerializerContext;

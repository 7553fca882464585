using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
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
    /// a server whose address is not an IP address (never one of ours) is left out.
    /// </summary>
    public static HaproxyMembership FromRunning(IReadOnlyList<ServerState> running)
        => new(running.Where(s => s.App is not null && IPAddress.TryParse(s.Address, out _))
            .Select(s => new HaproxyServer(s.App!, s.Name, IPAddress.Parse(s.Address), s.Port, s.Id))
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

    public static HaproxyMembership Load(string path)
    {
        if (!File.Exists(path))
        {
            return Empty;
        }

        var stored = JsonSerializer.Deserialize(File.ReadAllBytes(path), HaproxyMembershipJson.Default.ListStoredServer)
                     ?? throw new InvalidDataException($"{path} holds JSON null");
        return new HaproxyMembership(stored.Select(s => new HaproxyServer(s.App, s.Name, IPAddress.Parse(s.Address), s.Port, s.Id)).ToList());
    }

    public void Save(string path)
        => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(
            Servers.Select(s => new StoredServer(s.App, s.Name, s.Address.ToString(), s.Port, s.Id)).ToList(), HaproxyMembershipJson.Default.ListStoredServer));
}

/// <summary>One server as stored in <c>membership.json</c>.</summary>
internal sealed record StoredServer(string App, string Name, string Address, int Port, int Id);

/// <summary>Source-generated JSON of <c>membership.json</c> (the installed agent is NativeAOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(List<StoredServer>))]
internal sealed partial class HaproxyMembershipJson : JsonSerializerContext;

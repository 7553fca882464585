using System.Net;
using System.Text.Json;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// The servers HAProxy should have, per app, as written into the config file (and into <c>membership.json</c>, from
/// which the config is regenerated after an agent restart). Immutable: every change makes a new one.
/// </summary>
public sealed record HaproxyMembership(IReadOnlyList<HaproxyServer> Servers)
{
    public static readonly HaproxyMembership Empty = new([]);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public IEnumerable<HaproxyServer> ForApp(string app) => Servers.Where(s => s.App == app).OrderBy(s => s.Id);

    public HaproxyServer? Find(string app, string name) => Servers.FirstOrDefault(s => s.App == app && s.Name == name);

    public HaproxyMembership With(HaproxyServer server)
        => new(Servers.Where(s => !(s.App == server.App && s.Name == server.Name)).Append(server).OrderBy(s => s.App, StringComparer.Ordinal).ThenBy(s => s.Id).ToList());

    public HaproxyMembership Without(string app, string name)
        => new(Servers.Where(s => !(s.App == app && s.Name == name)).ToList());

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

        var stored = JsonSerializer.Deserialize<List<StoredServer>>(File.ReadAllBytes(path), Json)
                     ?? throw new InvalidDataException($"{path} holds JSON null");
        return new HaproxyMembership(stored.Select(s => new HaproxyServer(s.App, s.Name, IPAddress.Parse(s.Address), s.Port, s.Id)).ToList());
    }

    public void Save(string path)
        => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(
            Servers.Select(s => new StoredServer(s.App, s.Name, s.Address.ToString(), s.Port, s.Id)).ToList(), Json));

    private sealed record StoredServer(string App, string Name, string Address, int Port, int Id);
}

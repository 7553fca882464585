using NodeAgent.Configuration;

namespace NodeAgent.Hosting;

/// <summary>
/// The roles this binary knows, by name: the only list of roles there is. An unknown role in user-data is a
/// validation error.
/// </summary>
public sealed class RoleCatalog
{
    private readonly Dictionary<string, INodeRole> _roles;

    public RoleCatalog(IEnumerable<INodeRole> roles)
    {
        _roles = new Dictionary<string, INodeRole>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            if (!_roles.TryAdd(role.Name, role))
            {
                throw new ArgumentException($"role '{role.Name}' is registered twice", nameof(roles));
            }
        }
    }

    public IReadOnlyCollection<string> Names => _roles.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The plug-ins as section readers, for the configuration reader.</summary>
    public IReadOnlyCollection<IRoleSectionReader> SectionReaders => All.ToList();

    public IEnumerable<INodeRole> All => _roles.Values.OrderBy(r => r.Name, StringComparer.Ordinal);

    public INodeRole Get(string name)
        => _roles.TryGetValue(name, out var role)
            ? role
            : throw new KeyNotFoundException($"unknown role '{name}' (known: {string.Join(", ", Names)})");
}

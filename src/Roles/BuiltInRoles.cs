using NodeAgent.Hosting;
using NodeAgent.Roles.Db;
using NodeAgent.Roles.Lb;
using NodeAgent.Roles.Web;

namespace NodeAgent.Roles;

/// <summary>The roles shipped in the nodeagent binary.</summary>
public static class BuiltInRoles
{
    public static RoleCatalog Catalog() => new([new LbRole(), new WebRole(), new DbRole()]);
}

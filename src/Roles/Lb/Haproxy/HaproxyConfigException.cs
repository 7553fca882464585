namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>HAProxy rejected a configuration (<c>haproxy -c</c>); carries its own explanation.</summary>
public sealed class HaproxyConfigException(string path, string detail)
    : Exception($"HAProxy rejects {path}: {detail}")
{
    public string Detail { get; } = detail;
}

namespace NodeAgent.Configuration;

/// <summary>One problem found in a configuration document: the dotted path of the field and what was expected.</summary>
public sealed record ConfigError(string Path, string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}

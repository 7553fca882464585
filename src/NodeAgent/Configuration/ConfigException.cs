namespace NodeAgent.Configuration;

/// <summary>Raised when a configuration document is invalid. Carries every error found, not just the first.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string source, IReadOnlyList<ConfigError> errors)
        : base(Format(source, errors))
    {
        Source = source;
        Errors = errors;
    }

    public new string Source { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    private static string Format(string source, IReadOnlyList<ConfigError> errors)
    {
        var noun = errors.Count == 1 ? "error" : "errors";
        return $"invalid user-data from {source} ({errors.Count} {noun}):" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => "  - " + e));
    }
}

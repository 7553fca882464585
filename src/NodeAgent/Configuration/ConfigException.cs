namespace NodeAgent.Configuration;

/// <summary>
/// Raised when a configuration document is invalid. Carries every error found (the first
/// <see cref="ConfigErrorList.MaxReported"/> of them, and how many there were in all), not just the first.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string source, IReadOnlyList<ConfigError> errors)
        : this(source, errors, errors.Count)
    {
    }

    public ConfigException(string source, IReadOnlyList<ConfigError> errors, int total)
        : base(Format(source, errors, Math.Max(total, errors.Count)))
    {
        Source = source;
        Errors = errors;
        Total = Math.Max(total, errors.Count);
    }

    public new string Source { get; }

    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>How many errors were found; more than <see cref="Errors"/> holds when the list was capped.</summary>
    public int Total { get; }

    /// <summary>The message without a stack trace: what every command prints.</summary>
    public override string ToString() => Message;

    private static string Format(string source, IReadOnlyList<ConfigError> errors, int total)
    {
        var noun = total == 1 ? "error" : "errors";
        var text = $"invalid user-data from {source} ({total} {noun}):" + Environment.NewLine
            + string.Join(Environment.NewLine, errors.Select(e => "  - " + e));
        if (total > errors.Count)
        {
            text += Environment.NewLine + $"  - ... and {total - errors.Count} more";
        }

        return text;
    }
}

namespace NodeAgent.Configuration;

/// <summary>
/// The errors collected while reading one document, in the order they were found. Only the first
/// <see cref="MaxReported"/> are kept (a hostile document must not make the report, or the memory behind it, grow with
/// its size); the rest are counted, and reported as "and N more".
/// </summary>
internal sealed class ConfigErrorList
{
    public const int MaxReported = 50;

    private readonly List<ConfigError> _errors = [];

    /// <summary>Every error found, the ones not kept included.</summary>
    public int Count { get; private set; }

    /// <summary>False once <see cref="MaxReported"/> errors are kept: callers may skip building costly messages.</summary>
    public bool Accepting => _errors.Count < MaxReported;

    public IReadOnlyList<ConfigError> Items => _errors;

    public void Add(string path, string message)
    {
        Count++;
        if (Accepting)
        {
            _errors.Add(new ConfigError(SafeText.Escape(path, 200), SafeText.Escape(message, 1000)));
        }
    }

    /// <summary>Counts an error without keeping it (its message would not be reported anyway).</summary>
    public void Skip() => Count++;

    public ConfigException ToException(string source) => new(source, _errors, Count);
}

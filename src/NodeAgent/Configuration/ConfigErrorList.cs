namespace NodeAgent.Configuration;

/// <summary>The errors collected while reading one document, in the order they were found.</summary>
internal sealed class ConfigErrorList
{
    private readonly List<ConfigError> _errors = [];

    public int Count => _errors.Count;

    public IReadOnlyList<ConfigError> Items => _errors;

    public void Add(string path, string message) => _errors.Add(new ConfigError(path, message));
}

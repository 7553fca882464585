namespace NodeAgent.Configuration;

/// <summary>
/// A secret named in user-data: a literal, a file or an environment variable. <see cref="ToString"/> never shows the
/// value, so a secret cannot leak into a log line or an error message by accident.
/// </summary>
public sealed class SecretValue
{
    private readonly string? _literal;

    private SecretValue(string? literal, string? file, string? env)
    {
        _literal = literal;
        File = file;
        Environment = env;
    }

    public string? File { get; }

    public string? Environment { get; }

    public static SecretValue Literal(string value) => new(value, null, null);

    public static SecretValue FromFile(string path) => new(null, path, null);

    public static SecretValue FromEnvironment(string name) => new(null, null, name);

    /// <summary>Resolves the secret. Throws <see cref="InvalidOperationException"/> naming the source when it is missing.</summary>
    public string Reveal()
    {
        if (_literal is not null)
        {
            return _literal;
        }

        if (File is not null)
        {
            if (!System.IO.File.Exists(File))
            {
                throw new InvalidOperationException($"secret file {File} does not exist");
            }

            return System.IO.File.ReadAllText(File).TrimEnd('\r', '\n');
        }

        return System.Environment.GetEnvironmentVariable(Environment!)
            ?? throw new InvalidOperationException($"secret environment variable {Environment} is not set");
    }

    public override string ToString() => File is not null ? $"(secret from file {File})"
        : Environment is not null ? $"(secret from ${Environment})" : "(secret)";
}

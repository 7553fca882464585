using NodeAgent.Configuration;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>A secret as stored in the settings file: the literal value, or where to read it when used.</summary>
public sealed record SecretReference
{
    public string? Value { get; init; }

    public string? File { get; init; }

    public string? Env { get; init; }

    public static SecretReference? From(SecretValue? secret) => secret switch
    {
        null => null,
        { File: { } file } => new SecretReference { File = file },
        { Environment: { } env } => new SecretReference { Env = env },
        _ => new SecretReference { Value = secret.Reveal() },
    };

    public SecretValue ToSecret() => File is not null ? SecretValue.FromFile(File)
        : Env is not null ? SecretValue.FromEnvironment(Env)
        : SecretValue.Literal(Value ?? string.Empty);
}

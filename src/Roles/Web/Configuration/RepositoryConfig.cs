using NodeAgent.Configuration;

namespace NodeAgent.Roles.Web.Configuration;

public enum RepositoryKind
{
    Git,
    Svn,
}

/// <summary><c>repository:</c> of an app — git (through libgit2) or svn (through the svn client).</summary>
public sealed record RepositoryConfig
{
    public required RepositoryKind Kind { get; init; }

    /// <summary>Clone URL: https, ssh, file, svn or a local path for git; a repository URL for svn.</summary>
    public required string Url { get; init; }

    /// <summary>The ref deployed when a deploy names none: a branch for git (default main), HEAD for svn.</summary>
    public string? DefaultRef { get; init; }

    public string? Username { get; init; }

    public SecretValue? Password { get; init; }

    private static readonly Dictionary<string, RepositoryKind> Kinds = new()
    {
        ["git"] = RepositoryKind.Git,
        ["svn"] = RepositoryKind.Svn,
    };

    public static RepositoryConfig Read(ConfigReader r)
    {
        var kind = r.Choice("type", RepositoryKind.Git, Kinds, required: true);
        var url = r.String("url", required: true, maxLength: 2048) ?? string.Empty;
        if (url.Length > 0 && !LooksLikeRepositoryUrl(url))
        {
            r.Error("url", $"expected a repository URL (https://, ssh://, file://, svn://) or an absolute path, got '{url}'");
        }

        if (url.Contains('@') && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Contains(':'))
        {
            r.Error("url", "must not embed a password; use repository.username and repository.password");
        }

        return new RepositoryConfig
        {
            Kind = kind,
            Url = url,
            DefaultRef = r.String("ref", maxLength: 255),
            Username = r.String("username", maxLength: 255),
            Password = r.Secret("password"),
        };
    }

    private static bool LooksLikeRepositoryUrl(string url)
        => url.StartsWith('/')
           || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" or "ssh" or "file" or "git" or "svn" or "svn+ssh")
           || System.Text.RegularExpressions.Regex.IsMatch(url, @"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$");
}

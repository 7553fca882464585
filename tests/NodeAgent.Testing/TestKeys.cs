using NodeAgent.Security;

namespace NodeAgent.Testing;

/// <summary>
/// The publish key pair every test cluster uses: web nodes get <see cref="PublishKeyYaml"/> in their user-data, and
/// publishers (in-process, or <c>nodeagent deploy</c> through <see cref="PrivateKeyFile"/>) sign with the private half.
/// Fixed, so user-data written once stays valid; test-only, never a real cluster's key.
/// </summary>
public static class TestKeys
{
    /// <summary>Ed25519 private key (PKCS#8 PEM) made with <c>openssl genpkey -algorithm ed25519</c> for the tests.</summary>
    public const string PrivateKeyPem = """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEICkFd4KlF+llxgRqlNwa5bqzY7TT45j1iRVRZh/HlgDE
        -----END PRIVATE KEY-----
        """;

    private static readonly Lazy<string> File = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"nodeagent-test-publish-key-{Environment.ProcessId}.pem");
        System.IO.File.WriteAllText(path, PrivateKeyPem);
        return path;
    });

    /// <summary>A new handle on the private key (dispose it, or hand it to a service container that does).</summary>
    public static PublishSigningKey Signer() => PublishSigningKey.FromPem(PrivateKeyPem);

    /// <summary>The public half, as <c>web.publish_key</c> holds it (a constant, for user-data written as constants;
    /// <c>PublishKeyTests</c> checks it is the private key's).</summary>
    public const string PublicKey = "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw=";

    /// <summary>The <c>publish_key:</c> line of a <c>web:</c> section (indent it as the section needs).</summary>
    public const string PublishKeyYaml = "publish_key: \"" + PublicKey + "\"";

    /// <summary>The private key in a file, for <c>nodeagent deploy --publish-key</c> / <c>NODEAGENT_PUBLISH_KEY</c>.</summary>
    public static string PrivateKeyFile => File.Value;
}

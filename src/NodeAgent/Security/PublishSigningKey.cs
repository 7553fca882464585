using NSec.Cryptography;

namespace NodeAgent.Security;

/// <summary>
/// The private half of a cluster's publish key (Ed25519), held by whoever publishes (a build box, CI) and never by a
/// node: it signs documents the nodes then verify with <see cref="PublishKey"/>. Stored as a PKCS#8 PEM file
/// (<c>-----BEGIN PRIVATE KEY-----</c>, as <c>nodeagent publish-key generate</c> or
/// <c>openssl genpkey -algorithm ed25519</c> writes it).
/// </summary>
public sealed class PublishSigningKey : IDisposable
{
    private readonly Key _key;

    private PublishSigningKey(Key key)
    {
        _key = key;
        PublicKey = PublishKey.From(key.PublicKey);
    }

    public PublishKey PublicKey { get; }

    public static PublishSigningKey Generate()
        => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Reads a PEM private key; throws <see cref="FormatException"/> naming the problem.</summary>
    public static PublishSigningKey FromPem(string pem)
    {
        if (!Key.TryImport(SignatureAlgorithm.Ed25519, System.Text.Encoding.ASCII.GetBytes(pem.Trim()), KeyBlobFormat.PkixPrivateKeyText, out var key,
                new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }))
        {
            throw new FormatException("not an Ed25519 private key in PEM form (-----BEGIN PRIVATE KEY-----)");
        }

        return new PublishSigningKey(key!);
    }

    public static PublishSigningKey FromFile(string path)
    {
        try
        {
            return FromPem(File.ReadAllText(path));
        }
        catch (FormatException ex)
        {
            throw new FormatException($"publish key file {path}: {ex.Message}");
        }
    }

    public string ToPem() => System.Text.Encoding.ASCII.GetString(_key.Export(KeyBlobFormat.PkixPrivateKeyText));

    /// <summary>Signs <paramref name="content"/> in <paramref name="context"/>: <c>ed25519:&lt;base64 signature&gt;</c>.</summary>
    public string Sign(string context, ReadOnlySpan<byte> content)
        => PublishKey.Prefix + Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(_key, PublishKey.SignedBytes(context, content)));

    public void Dispose() => _key.Dispose();
}

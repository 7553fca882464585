using System.Diagnostics.CodeAnalysis;
using System.Text;
using NSec.Cryptography;

namespace NodeAgent.Security;

/// <summary>
/// The public half of a cluster's publish key (Ed25519): what a node verifies signed documents with. It cannot sign,
/// so a node that holds it — and anyone who reads that node's user-data — cannot forge what it verifies. Written
/// <c>ed25519:&lt;base64 of the 32-byte key&gt;</c> (<c>nodeagent publish-key generate</c> prints it).
/// </summary>
public sealed class PublishKey
{
    public const string Prefix = "ed25519:";
    public const string Hint = "an Ed25519 public key written ed25519:<base64> (nodeagent publish-key generate prints one)";

    private readonly PublicKey _key;

    private PublishKey(PublicKey key, string text)
    {
        _key = key;
        Text = text;
    }

    /// <summary>The key as written in user-data.</summary>
    public string Text { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out PublishKey? key)
    {
        key = null;
        if (text is null || !text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length != Prefix.Length + 44)
        {
            return false;
        }

        var raw = new byte[32];
        if (!Convert.TryFromBase64String(text[Prefix.Length..], raw, out var written) || written != 32)
        {
            return false;
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var imported))
        {
            return false;
        }

        key = new PublishKey(imported!, text);
        return true;
    }

    internal static PublishKey From(PublicKey key)
        => new(key, Prefix + Convert.ToBase64String(key.Export(KeyBlobFormat.RawPublicKey)));

    /// <summary>Whether <paramref name="signature"/> (as written by <see cref="PublishSigningKey.Sign"/>) signs
    /// <paramref name="content"/> in <paramref name="context"/>.</summary>
    public bool Verifies(string context, ReadOnlySpan<byte> content, string? signature)
    {
        if (signature is null || !signature.StartsWith(Prefix, StringComparison.Ordinal) || signature.Length != Prefix.Length + 88)
        {
            return false;
        }

        var raw = new byte[64];
        if (!Convert.TryFromBase64String(signature[Prefix.Length..], raw, out var written) || written != 64)
        {
            return false;
        }

        return SignatureAlgorithm.Ed25519.Verify(_key, SignedBytes(context, content), raw);
    }

    public bool SameAs(PublishKey other) => _key.Equals(other._key);

    public override string ToString() => Text;

    /// <summary>What is signed: a domain label, the context (e.g. the S3 key), then the exact bytes of the document.</summary>
    internal static byte[] SignedBytes(string context, ReadOnlySpan<byte> content)
    {
        var head = Encoding.UTF8.GetBytes($"nodeagent-signed-v1\n{context}\n");
        var all = new byte[head.Length + content.Length];
        head.CopyTo(all, 0);
        content.CopyTo(all.AsSpan(head.Length));
        return all;
    }
}

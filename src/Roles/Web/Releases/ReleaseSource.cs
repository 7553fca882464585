using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.FileSystem;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Releases;

/// <summary>
/// Where a release came from, kept beside it as <c>releases/&lt;id&gt;.source</c> (outside the served directory): which
/// repository (a hash of its type and URL, so no URL or credential is written), the exact revision, and whether its
/// files are the revision's bytes untouched — not converted by checkout filters, not rewritten by a build hook. Only
/// such a release can be the base of a delta release. Written before the release is marked complete; a release
/// without one (built by an older agent, or the file lost) is never a base.
/// </summary>
public sealed record ReleaseSource
{
    public const string Suffix = ".source";
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    /// <summary>SHA-256 of <c>&lt;type&gt;:&lt;url&gt;</c>, hex.</summary>
    public required string Repository { get; init; }

    /// <summary>Full git commit id, or svn revision number.</summary>
    public required string Revision { get; init; }

    /// <summary><c>full</c> or <c>delta</c>: how it was built.</summary>
    public required string Mode { get; init; }

    /// <summary>Checkout filters may have converted its files.</summary>
    public bool Filtered { get; init; }

    /// <summary>A build hook ran in it and may have changed any file.</summary>
    public bool Built { get; init; }

    /// <summary>True when this release's files are its revision's files, byte for byte.</summary>
    [JsonIgnore]
    public bool Pristine => !Filtered && !Built;

    public static string RepositoryId(RepositoryConfig repository)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repository.Kind.ToString().ToLowerInvariant()}:{repository.Url}")));

    public static string PathOf(ReleaseLayout layout, string id) => Path.Combine(layout.ReleasesDir, id + Suffix);

    /// <summary>
    /// Writes the record: a temp file renamed into place, not fsynced — the releases directory is fsynced when the
    /// release completes, and a record a crash left empty or torn reads as missing, which only costs a full build.
    /// </summary>
    public void Write(ReleaseLayout layout, string id)
    {
        var path = PathOf(layout, id);
        var temp = AtomicFile.TempName(path);
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(this, ReleaseSourceJson.Default.ReleaseSource));
        Posix.Rename(temp, path);
    }

    /// <summary>The record of release <paramref name="id"/>, or null when it is missing or unreadable.</summary>
    public static ReleaseSource? Read(ReleaseLayout layout, string id)
    {
        try
        {
            var bytes = File.ReadAllBytes(PathOf(layout, id));
            return bytes.Length > 4096 ? null : JsonSerializer.Deserialize(bytes, ReleaseSourceJson.Default.ReleaseSource) is { Schema: CurrentSchema } source ? source : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ReleaseSource))]
internal sealed partial class ReleaseSourceJson : JsonSerializerContext;

using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>The dumps under a prefix, oldest first, with their manifests (decrypted when encryption is on).</summary>
public sealed class DumpCatalog(IObjectStore store, MariaDbLayout layout, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<IReadOnlyList<DumpEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var listing = await store.ListAsync(layout.DumpDirectory, null, cancellationToken);
        var entries = new List<DumpEntry>();
        foreach (var group in listing.Objects.GroupBy(o => IdOf(o.Key)).Where(g => g.Key is not null).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var key = layout.Manifest(group.Key!);
            DumpManifest? manifest = null;
            if (group.Any(o => o.Key == key) && await store.GetAsync(key, DocumentLimits.Manifest, cancellationToken) is { } stored)
            {
                manifest = DumpManifest.Parse(await _cipher.OpenAsync(stored.Content, layout.Prefix, key, cancellationToken), key);
            }

            entries.Add(new DumpEntry(group.Key!, manifest, group.Sum(o => o.Size)));
        }

        return entries;
    }

    private string? IdOf(string key)
    {
        var rest = key.StartsWith(layout.DumpDirectory, StringComparison.Ordinal) ? key[layout.DumpDirectory.Length..] : null;
        var slash = rest?.IndexOf('/') ?? -1;
        return slash > 0 ? rest![..slash] : null;
    }
}

using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The base backups under a prefix, oldest first (ids sort by start time), with their manifests.</summary>
public sealed class BackupCatalog(IObjectStore store, ArchiveLayout layout, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<IReadOnlyList<BackupEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var listing = await store.ListAsync(layout.BaseDirectory, null, cancellationToken);
        var byId = listing.Objects
            .Select(o => (Id: IdOf(o.Key), o))
            .Where(x => x.Id is not null)
            .GroupBy(x => x.Id!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        var entries = new List<BackupEntry>();
        foreach (var group in byId)
        {
            var manifestKey = layout.Manifest(group.Key);
            BaseBackupManifest? manifest = null;
            if (group.Any(x => x.o.Key == manifestKey) && await store.GetAsync(manifestKey, DocumentLimits.Manifest, cancellationToken) is { } stored)
            {
                manifest = BaseBackupManifest.Parse(await _cipher.OpenAsync(stored.Content, layout.Prefix, manifestKey, cancellationToken), manifestKey);
            }

            entries.Add(new BackupEntry(group.Key, manifest, group.Sum(x => x.o.Size)));
        }

        return entries;
    }

    public async Task<IReadOnlyList<BaseBackupManifest>> CompleteAsync(CancellationToken cancellationToken)
        => (await ListAsync(cancellationToken)).Where(e => e.Complete).Select(e => e.Manifest!).OrderBy(m => m.StartTime).ToList();

    private string? IdOf(string key)
    {
        if (!key.StartsWith(layout.BaseDirectory, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[layout.BaseDirectory.Length..];
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash] : null;
    }
}

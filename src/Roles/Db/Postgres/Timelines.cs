using System.Globalization;
using System.Text;
using System.Text.Json;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Postgres.Replication;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The timelines of an archive (docs/replication.md, "Timelines"): each promotion starts one, PostgreSQL archives its
/// <c>NNNNNNNN.history</c> (the parent and where it branched), and the promoting agent records who promoted it and
/// when (<c>timelines/NNNNNNNN.json</c>, <see cref="TimelineRecord"/>). A restore to a time follows the newest timeline
/// (up to its switch point the history is shared, and recovery stops at the target anyway), except when the target is
/// before a promotion and the old timeline went on past the switch point in the archive (writes the old primary made
/// and archived that the new one never received): then it stays on the old timeline, to give that timeline's rows.
/// </summary>
public sealed record Timelines(IReadOnlyDictionary<long, TimelineInfo> ByNumber, IReadOnlySet<string> ArchivedSegments, long SegmentSize)
{
    public static async Task<Timelines> ReadAsync(IObjectStore store, ArchiveLayout layout, BackupCipher cipher, CancellationToken cancellationToken)
    {
        var byNumber = new Dictionary<long, TimelineInfo>();
        var segments = new HashSet<string>(StringComparer.Ordinal);
        var wal = await store.ListAsync(layout.WalDirectory, null, cancellationToken);
        var fetcher = new WalFetcher(store, layout, 0, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cipher);
        foreach (var name in wal.Objects.Select(o => layout.WalNameOf(o.Key)).OfType<string>())
        {
            if (!WalFileName.TryParse(name, out var file) || file!.Kind != WalFileKind.TimelineHistory)
            {
                if (file is { Kind: WalFileKind.Segment })
                {
                    segments.Add(file.Name);
                }

                continue;
            }

            var content = await fetcher.DownloadAsync(name, cancellationToken);
            if (content is not null && ParseHistory(Encoding.UTF8.GetString(content)) is { } parent)
            {
                byNumber[file.Timeline] = new TimelineInfo(file.Timeline, parent.Parent, parent.SwitchPoint, null);
            }
        }

        var records = await store.ListAsync(layout.TimelineDirectory, null, cancellationToken);
        foreach (var key in records.Objects.Select(o => o.Key).Where(k => k.EndsWith(".json", StringComparison.Ordinal)))
        {
            StoredObject? stored;
            try
            {
                stored = await store.GetAsync(key, 8191, cancellationToken);
            }
            catch (ObjectTooLargeException)
            {
                continue;
            }

            if (stored is null)
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize(stored.Content, TimelineRecordJson.Default.TimelineRecord);
                if (record is not null && byNumber.TryGetValue(record.Timeline, out var info))
                {
                    byNumber[record.Timeline] = info with { Promotion = record };
                }
            }
            catch (JsonException)
            {
                // A record that does not parse is left out: restores then follow the history files alone.
            }
        }

        return new Timelines(byNumber, segments, 16L << 20);
    }

    /// <summary>The last line of a history file: the timeline this one branched from and where.</summary>
    public static (long Parent, Lsn SwitchPoint)? ParseHistory(string text)
    {
        (long, Lsn)? last = null;
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split('\t', StringSplitOptions.TrimEntries);
            if (fields.Length >= 2 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && Lsn.TryParse(fields[1], out var at))
            {
                last = (parent, at);
            }
        }

        return last;
    }

    /// <summary>
    /// The timeline recovery should follow to reach <paramref name="time"/>: null for the newest (<c>latest</c>), else an
    /// ancestor that was current at the time and whose own WAL goes on past the point where the next one branched.
    /// </summary>
    public long? ForTime(DateTimeOffset time)
    {
        if (ByNumber.Count == 0)
        {
            return null;
        }

        var current = ByNumber.Keys.Max();
        var latest = current;
        while (ByNumber.TryGetValue(current, out var info) && info.Promotion is { } promotion && promotion.PromotedAt > time
               && ArchivedSegments.Contains(WalFileName.ForLsn((uint)info.Parent, info.SwitchPoint, SegmentSize).Name))
        {
            current = info.Parent;
        }

        return current == latest ? null : current;
    }

    /// <summary>One line per timeline for <c>backup list</c>.</summary>
    public IEnumerable<string> Describe()
        => ByNumber.Values.OrderBy(t => t.Number).Select(t => $"timeline {t.Number}: branched from {t.Parent} at {t.SwitchPoint}"
            + (t.Promotion is { } p ? $", promoted {p.PromotedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff} UTC by {p.Node} (epoch {p.Epoch}: {p.Reason})" : ", no promotion record"));
}

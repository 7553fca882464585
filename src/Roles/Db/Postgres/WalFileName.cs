using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// A parsed WAL archive file name. Segment-like names carry timeline, log id and segment number; the segment's position
/// (<see cref="Position"/>) orders segments across log ids for a given segment size.
/// </summary>
public sealed partial record WalFileName
{
    private WalFileName(string name, WalFileKind kind, uint timeline, uint log, uint segment)
    {
        Name = name;
        Kind = kind;
        Timeline = timeline;
        Log = log;
        Segment = segment;
    }

    public string Name { get; }

    public WalFileKind Kind { get; }

    public uint Timeline { get; }

    public uint Log { get; }

    public uint Segment { get; }

    /// <summary>True for files that hold WAL records (segments and partial segments).</summary>
    public bool HoldsWal => Kind is WalFileKind.Segment or WalFileKind.Partial;

    /// <summary>The 24-character segment name of a segment, partial or backup history file.</summary>
    public string SegmentName => Kind == WalFileKind.TimelineHistory ? throw new InvalidOperationException($"{Name} has no segment") : Name[..24];

    public static bool TryParse(string name, out WalFileName? file)
    {
        file = null;
        var match = Pattern().Match(name);
        if (!match.Success)
        {
            return false;
        }

        if (match.Groups["history"].Success)
        {
            var tli = Hex(match.Groups["htli"].Value);
            if (tli == 0)
            {
                return false;
            }

            file = new WalFileName(name, WalFileKind.TimelineHistory, tli, 0, 0);
            return true;
        }

        var kind = match.Groups["partial"].Success ? WalFileKind.Partial
            : match.Groups["backup"].Success ? WalFileKind.BackupHistory
            : WalFileKind.Segment;
        var timeline = Hex(match.Groups["tli"].Value);
        if (timeline == 0)
        {
            return false;
        }

        file = new WalFileName(name, kind, timeline, Hex(match.Groups["log"].Value), Hex(match.Groups["seg"].Value));
        return true;
    }

    public static WalFileName Parse(string name)
        => TryParse(name, out var file) ? file! : throw new FormatException($"'{name}' is not a WAL segment, .partial, .backup or .history file name");

    /// <summary>The segment holding <paramref name="lsn"/> on <paramref name="timeline"/>.</summary>
    public static WalFileName ForLsn(uint timeline, Lsn lsn, long segmentSize)
    {
        var position = lsn.Value / (ulong)segmentSize;
        return FromPosition(timeline, position, segmentSize);
    }

    public static WalFileName FromPosition(uint timeline, ulong position, long segmentSize)
    {
        var perLog = SegmentsPerLog(segmentSize);
        var name = string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}{(uint)(position / perLog):X8}{(uint)(position % perLog):X8}");
        return Parse(name);
    }

    /// <summary>Position of the segment in the WAL stream: log id × segments per log id + segment number.</summary>
    public ulong Position(long segmentSize) => Kind == WalFileKind.TimelineHistory
        ? throw new InvalidOperationException($"{Name} has no position")
        : ((ulong)Log * SegmentsPerLog(segmentSize)) + Segment;

    /// <summary>The next segment on the same timeline.</summary>
    public WalFileName Next(long segmentSize) => FromPosition(Timeline, Position(segmentSize) + 1, segmentSize);

    public static ulong SegmentsPerLog(long segmentSize) => 0x1_0000_0000UL / (ulong)segmentSize;

    public override string ToString() => Name;

    private static uint Hex(string text) => uint.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex("^(?:(?<history>(?<htli>[0-9A-F]{8})\\.history)|(?<tli>[0-9A-F]{8})(?<log>[0-9A-F]{8})(?<seg>[0-9A-F]{8})(?:(?<partial>\\.partial)|(?<backup>\\.[0-9A-F]{8}\\.backup))?)$")]
    private static partial Regex Pattern();
}

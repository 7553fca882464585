using System.Buffers.Binary;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The cluster identity PostgreSQL writes into every WAL segment and into <c>global/pg_control</c>: the 64-bit system
/// identifier chosen at initdb. Two clusters never share one, which is what keeps them out of each other's archive.
/// </summary>
public static class PgControl
{
    /// <summary>XLOG_PAGE_MAGIC for PostgreSQL 15.</summary>
    public const ushort WalPageMagic15 = 0xD110;

    private const ushort XlpLongHeader = 0x0002;

    /// <summary>The system identifier from <c>DATA_DIR/global/pg_control</c> (its first 8 bytes).</summary>
    public static ulong ReadSystemIdentifier(string dataDir)
    {
        var path = Path.Combine(dataDir, "global", "pg_control");
        Span<byte> head = stackalloc byte[8];
        using var file = File.OpenRead(path);
        file.ReadExactly(head);
        return BinaryPrimitives.ReadUInt64LittleEndian(head);
    }

    /// <summary>
    /// The system identifier and segment size from the long page header at the start of a WAL segment, or null when the
    /// bytes do not start with one (a segment of another major version, or not a segment at all).
    /// </summary>
    public static WalSegmentHeader? ReadSegmentHeader(ReadOnlySpan<byte> segment)
    {
        // XLogLongPageHeaderData: xlp_magic u16, xlp_info u16, xlp_tli u32, xlp_pageaddr u64, xlp_rem_len u32,
        // padding to 24, xlp_sysid u64, xlp_seg_size u32, xlp_xlog_blcksz u32.
        if (segment.Length < 40)
        {
            return null;
        }

        var magic = BinaryPrimitives.ReadUInt16LittleEndian(segment);
        var info = BinaryPrimitives.ReadUInt16LittleEndian(segment[2..]);
        if ((info & XlpLongHeader) == 0)
        {
            return null;
        }

        return new WalSegmentHeader(
            magic,
            BinaryPrimitives.ReadUInt32LittleEndian(segment[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(segment[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(segment[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(segment[36..]));
    }
}

namespace NodeAgent.Roles.Db.Engines;

/// <summary>Byte counts as the <c>backup</c> commands print them: <c>512 B</c>, <c>1.5 KiB</c>, <c>12.0 MiB</c>, <c>1.25 GiB</c>.</summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}

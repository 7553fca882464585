namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// Part sizes for a streamed multipart upload whose length is only estimated. S3 allows at most 10,000 parts of 5 MiB
/// to 5 GiB (the last may be smaller), so: start from the estimate with 2× headroom (at least 8 MiB), and if a stream
/// still runs past the budget, double the part size every 500 parts after part 5,000. From 8 MiB that reaches
/// well over 5 TiB (S3's object limit) before part 10,000, so no stream can run out of parts.
/// </summary>
public static class PartSizePolicy
{
    public const int MaxParts = 10_000;
    public const long MinPartSize = 8L << 20;
    public const long MaxPartSize = 5L << 30;
    private const int PlannedParts = 5_000;
    private const int GrowEvery = 500;

    /// <summary>The first part size for a stream expected to be about <paramref name="estimatedBytes"/> long.</summary>
    public static long Initial(long estimatedBytes)
    {
        var wanted = estimatedBytes <= 0 ? MinPartSize : (estimatedBytes * 2 + PlannedParts - 1) / PlannedParts;
        var rounded = (wanted + (1L << 20) - 1) & ~((1L << 20) - 1);
        return Math.Clamp(rounded, MinPartSize, MaxPartSize);
    }

    /// <summary>The size of part <paramref name="partNumber"/> (1-based) when the stream started at <paramref name="initial"/>.</summary>
    public static long ForPart(long initial, int partNumber)
    {
        if (partNumber is < 1 or > MaxParts)
        {
            throw new ArgumentOutOfRangeException(nameof(partNumber), partNumber, $"parts run from 1 to {MaxParts}");
        }

        var doublings = partNumber <= PlannedParts ? 0 : ((partNumber - PlannedParts - 1) / GrowEvery) + 1;
        var size = initial;
        for (var i = 0; i < doublings && size < MaxPartSize; i++)
        {
            size *= 2;
        }

        return Math.Min(size, MaxPartSize);
    }

    /// <summary>The most bytes a stream starting at <paramref name="initial"/> can hold within <see cref="MaxParts"/>.</summary>
    public static long Capacity(long initial)
    {
        long total = 0;
        for (var part = 1; part <= MaxParts; part++)
        {
            total += ForPart(initial, part);
        }

        return total;
    }
}

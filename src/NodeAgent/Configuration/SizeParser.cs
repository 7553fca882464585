using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// Parses byte sizes: 1024, 64KB, 512MB, 2GB (powers of 1000) or 64KiB, 2GiB (powers of 1024). ASCII digits only, at
/// most 15 before the point and 3 after, so a value never overflows and never reaches a number parser it could crash.
/// </summary>
public static partial class SizeParser
{
    public static bool TryParse(string? text, out long value)
    {
        value = 0;
        var match = Pattern().Match(text ?? string.Empty);
        if (!match.Success
            || !double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double factor = match.Groups["u"].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "TB" => 1e12,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            "TIB" => 1L << 40,
            _ => double.NaN,
        };
        var bytes = number * factor;
        if (double.IsNaN(bytes) || bytes >= long.MaxValue)
        {
            return false;
        }

        value = (long)bytes;
        return true;
    }

    [GeneratedRegex(@"\A(?<n>[0-9]{1,15}(?:\.[0-9]{1,3})?) ?(?<u>[KMGTkmgt][Ii]?[Bb]|[Bb])?\z")]
    private static partial Regex Pattern();
}

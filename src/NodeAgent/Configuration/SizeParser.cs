using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>Parses byte sizes: 1024, 64KB, 512MB, 2GB (powers of 1000) or 64KiB, 2GiB (powers of 1024).</summary>
public static partial class SizeParser
{
    public static bool TryParse(string? text, out long value)
    {
        value = 0;
        var match = Pattern().Match(text?.Trim() ?? string.Empty);
        if (!match.Success)
        {
            return false;
        }

        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
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
        if (double.IsNaN(bytes) || bytes > long.MaxValue)
        {
            return false;
        }

        value = (long)bytes;
        return true;
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<u>[KMGT]i?B|B)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}

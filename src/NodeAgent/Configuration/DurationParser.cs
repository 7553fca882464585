using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>Parses and formats the short durations used in user-data: 500ms, 30s, 5m, 2h, 1d, or bare seconds.</summary>
public static partial class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = Pattern().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }

        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var ms = match.Groups["u"].Value switch
        {
            "ms" => number,
            "" or "s" => number * 1000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            "d" => number * 86_400_000,
            _ => double.NaN,
        };
        if (double.IsNaN(ms) || ms > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds < 1000 || value.Milliseconds != 0)
        {
            return $"{value.TotalMilliseconds:0}ms";
        }

        if (value.TotalSeconds < 60 || value.Seconds != 0)
        {
            return $"{value.TotalSeconds:0}s";
        }

        if (value.TotalMinutes < 60 || value.Minutes != 0)
        {
            return $"{value.TotalMinutes:0}m";
        }

        return value.TotalHours < 24 || value.Hours != 0 ? $"{value.TotalHours:0}h" : $"{value.TotalDays:0}d";
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>ms|s|m|h|d)?$")]
    private static partial Regex Pattern();
}

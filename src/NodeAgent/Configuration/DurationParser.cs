using System.Globalization;
using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// Parses and formats the short durations used in user-data: 500ms, 30s, 5m, 2h, 1d, or bare seconds. ASCII digits
/// only, at most 12 before the point and 3 after, so a value never overflows and never reaches a number parser it
/// could crash.
/// </summary>
public static partial class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        if (!double.TryParse(match.Groups["n"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

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

    [GeneratedRegex(@"\A(?<n>[0-9]{1,12}(?:\.[0-9]{1,3})?)(?<u>ms|s|m|h|d)?\z")]
    private static partial Regex Pattern();
}

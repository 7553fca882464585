using System.Globalization;

namespace NodeAgent.Roles.Web.Rollout;

/// <summary>A number of nodes given as a count (<c>2</c>) or a share of the app's nodes (<c>25%</c>).</summary>
public sealed record RolloutAmount(int Value, bool Percent)
{
    public const string Hint = "a count such as 2 or a share such as 25%";

    public static RolloutAmount Count(int n) => new(n, false);

    /// <summary>The amount out of <paramref name="total"/> nodes: a share is rounded up (a batch is at least one node)
    /// or down (a minimum to keep never asks for more than the share says).</summary>
    public int Of(int total, bool roundUp)
    {
        if (!Percent)
        {
            return Math.Min(Value, total);
        }

        var exact = total * Value / 100.0;
        return (int)Math.Min(total, roundUp ? Math.Ceiling(exact - 1e-9) : Math.Floor(exact + 1e-9));
    }

    public static bool TryParse(string? text, int min, out RolloutAmount amount)
    {
        amount = Count(0);
        if (string.IsNullOrEmpty(text) || text.Length > 8)
        {
            return false;
        }

        var percent = text.EndsWith('%');
        var digits = percent ? text[..^1] : text;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || (percent ? n > 100 : n > 100_000))
        {
            return false;
        }

        amount = new RolloutAmount(n, percent);
        return true;
    }

    public override string ToString() => Percent ? $"{Value}%" : Value.ToString(CultureInfo.InvariantCulture);
}

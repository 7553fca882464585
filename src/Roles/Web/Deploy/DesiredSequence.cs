namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Bounds on deploy sequences. A sequence only grows, and a node never goes back to a lower one; without bounds a
/// single record with a huge sequence would freeze a node for good (it would ignore every later desired state) and
/// make the publisher's next number overflow. So: no sequence past <see cref="Max"/>, and no desired sequence more
/// than <see cref="MaxStep"/> ahead of what a node last applied. A record that breaks either is rejected with its
/// reason and never advances the applied sequence; <c>nodeagent deploy --reset-sequence</c> is the way out.
/// </summary>
public static class DesiredSequence
{
    /// <summary>The largest sequence: 2^53 - 1, exact in every JSON reader.</summary>
    public const long Max = Registry.NodeRecordJson.MaxSequence;

    /// <summary>How far ahead of a node's applied sequence a desired one may be.</summary>
    public const long MaxStep = 1_000_000;

    /// <summary>Why <paramref name="sequence"/> may not be applied by a node that applied <paramref name="applied"/>; null when it may.</summary>
    public static string? Check(long sequence, long applied)
    {
        if (sequence < 1)
        {
            return "sequence must be at least 1";
        }

        if (sequence > Max)
        {
            return $"sequence {sequence} is past the maximum {Max}";
        }

        if (applied > 0 && sequence > applied && sequence - applied > MaxStep)
        {
            return $"sequence {sequence} is more than {MaxStep:N0} ahead of this node's applied sequence {applied}";
        }

        return null;
    }
}

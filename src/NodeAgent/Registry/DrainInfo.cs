using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace NodeAgent.Registry;

/// <summary>
/// One drain of one node: a random id and when it started, published in the node's registry record while it drains.
/// An lb's <c>removed</c> answer names the drain it answers, so an answer that arrives when the node is not draining,
/// or that was meant for an earlier drain, can be told apart and ignored.
/// </summary>
public sealed partial record DrainInfo(string Id, DateTimeOffset StartedAt)
{
    public static DrainInfo Start(DateTimeOffset now) => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), now);

    /// <summary>Whether <paramref name="id"/> has the shape of a drain id (16–32 lower-case hex digits).</summary>
    public static bool IsId(string? id) => id is not null && IdPattern().IsMatch(id);

    public bool Matches(string? id, DateTimeOffset? startedAt) => id == Id && startedAt == StartedAt;

    [GeneratedRegex(@"\A[0-9a-f]{16,32}\z")]
    private static partial Regex IdPattern();
}

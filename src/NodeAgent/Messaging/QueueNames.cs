using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Messaging;

/// <summary>Derives SQS queue names (letters, digits, '-' and '_', at most 80 characters with the "-dlq" suffix).</summary>
public static class QueueNames
{
    private const int MaxBase = 80 - 4;

    public static string ForNode(string cluster, string nodeId)
    {
        var name = $"nodeagent-{cluster}-{Sanitize(nodeId)}";
        if (name.Length <= MaxBase)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeId)))[..12];
        var room = MaxBase - $"nodeagent-{cluster}--{hash}".Length;
        return $"nodeagent-{cluster}-{Sanitize(nodeId)[..Math.Max(0, room)]}-{hash}";
    }

    private static string Sanitize(string value)
        => new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}

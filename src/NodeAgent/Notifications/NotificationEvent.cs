using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace NodeAgent.Notifications;

/// <summary>
/// One event, as every receiver gets it (the webhook body, an exec hook's standard input):
/// <code>{"id":"…","type":"deploy.halted","cluster":"shop-prod","node":"lb-1","at":"2026-11-25T12:00:00.000Z","subject":"shop","data":{…}}</code>
/// <see cref="Id"/> is the same wherever and however often the same fact is announced (a transition is named by what
/// changed, e.g. app, sequence and batch), so a receiver drops a repeat by its id.
/// </summary>
public sealed record NotificationEvent
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    public required string Cluster { get; init; }

    /// <summary>The node that announced it.</summary>
    public required string Node { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>What it is about: an app, a shared name, a node id.</summary>
    public string? Subject { get; init; }

    /// <summary>Human-readable one line (also what an exec hook may show).</summary>
    public string? Summary { get; init; }

    public JsonObject Data { get; init; } = [];

    /// <summary>
    /// An id derived from the fact itself: 32 lower-case hex digits of SHA-256 over the cluster, the type and the
    /// <paramref name="key"/> parts. Two nodes announcing the same transition (an lb that took over a rollout) use
    /// the same id.
    /// </summary>
    public static string IdFor(string cluster, string type, params string[] key)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{cluster}\n{type}\n{string.Join('\n', key)}")))[..32];

    /// <summary>A random id, for an event that is not the same fact twice (a drain, a retirement).</summary>
    public static string RandomId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool IsId(string? id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}

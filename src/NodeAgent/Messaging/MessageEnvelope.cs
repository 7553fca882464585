namespace NodeAgent.Messaging;

/// <summary>
/// A message on a node's queue, decoded and checked: its type, when it was sent, and its body (JSON text, parsed by the
/// handler for that type). See docs/messages.md for the wire format.
/// </summary>
public sealed record MessageEnvelope
{
    public required string Type { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    /// <summary>The type-specific JSON document, exactly as signed.</summary>
    public required string Body { get; init; }

    /// <summary>True when the envelope carried a signature that verified against the configured key.</summary>
    public bool Signed { get; init; }
}

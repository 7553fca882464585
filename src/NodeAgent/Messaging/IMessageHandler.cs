namespace NodeAgent.Messaging;

/// <summary>Handles one message type arriving on this node's queue (e.g. <c>deploy</c>, <c>membership</c>).</summary>
public interface IMessageHandler
{
    string MessageType { get; }

    /// <summary>
    /// Does the work. The consumer keeps extending the message's visibility while this runs, and deletes the message
    /// only for <see cref="MessageOutcome.Completed"/> or <see cref="MessageOutcome.FailedPermanently"/>.
    /// </summary>
    Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken);
}

public enum MessageDisposition
{
    /// <summary>The work is done (or was already done): delete the message.</summary>
    Completed,

    /// <summary>The message is bad and will never be executed: keep it, so it reaches the dead-letter queue.</summary>
    Rejected,

    /// <summary>The work failed in a way a retry cannot fix; the failure was reported: delete the message.</summary>
    FailedPermanently,

    /// <summary>A transient failure: leave the message to reappear after a backoff.</summary>
    Retry,
}

public sealed record MessageOutcome(MessageDisposition Disposition, string? Reason = null)
{
    public static readonly MessageOutcome Completed = new(MessageDisposition.Completed);

    public static MessageOutcome Rejected(string reason) => new(MessageDisposition.Rejected, reason);

    public static MessageOutcome FailedPermanently(string reason) => new(MessageDisposition.FailedPermanently, reason);

    public static MessageOutcome Retry(string reason) => new(MessageDisposition.Retry, reason);
}

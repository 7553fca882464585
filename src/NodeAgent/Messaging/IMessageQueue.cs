namespace NodeAgent.Messaging;

/// <summary>The agent's view of SQS: its own queue and its peers' queues. No AWS SDK types cross this interface.</summary>
public interface IMessageQueue
{
    /// <summary>
    /// Creates the queue and its dead-letter queue if missing and brings their attributes in line with
    /// <paramref name="settings"/>. Idempotent.
    /// </summary>
    Task<QueueAddress> EnsureQueueAsync(string name, QueueSettings settings, CancellationToken cancellationToken);

    /// <summary>Reads an existing queue's address (and its dead-letter queue's, if it has one).</summary>
    Task<QueueAddress> DescribeQueueAsync(Uri queueUrl, CancellationToken cancellationToken);

    Task SendAsync(Uri queueUrl, string body, CancellationToken cancellationToken);

    /// <summary>Sends with string message attributes (e.g. the reason a message was dead-lettered). Stores without
    /// attributes may drop them.</summary>
    Task SendAsync(Uri queueUrl, string body, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
        => SendAsync(queueUrl, body, cancellationToken);

    /// <summary>Long-polls for up to <paramref name="max"/> messages, waiting at most <paramref name="wait"/>.</summary>
    Task<IReadOnlyList<QueueMessage>> ReceiveAsync(Uri queueUrl, int max, TimeSpan wait, CancellationToken cancellationToken);

    Task DeleteAsync(Uri queueUrl, string receiptHandle, CancellationToken cancellationToken);

    /// <summary>Sets how long the message stays invisible from now on (extends a lease, or 0 to release it).</summary>
    Task ChangeVisibilityAsync(Uri queueUrl, string receiptHandle, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>Deletes a queue; a queue that is already gone is not an error.</summary>
    Task DeleteQueueAsync(Uri queueUrl, CancellationToken cancellationToken);

    /// <summary>Approximate number of visible messages (for tests, status and the dead-letter queue's health).</summary>
    Task<int> ApproximateCountAsync(Uri queueUrl, CancellationToken cancellationToken);
}

public sealed record QueueSettings
{
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReceiveWaitTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Receives before SQS moves a message to the dead-letter queue; 0 for no dead-letter queue.</summary>
    public int MaxReceiveCount { get; init; } = 5;

    public TimeSpan MessageRetention { get; init; } = TimeSpan.FromDays(4);

    public TimeSpan DeadLetterRetention { get; init; } = TimeSpan.FromDays(14);
}

public sealed record QueueAddress(Uri Url, string Arn, Uri? DeadLetterUrl);

public sealed record QueueMessage
{
    public required string MessageId { get; init; }

    public required string ReceiptHandle { get; init; }

    public required string Body { get; init; }

    /// <summary>How many times SQS has handed this message out, this time included.</summary>
    public int ReceiveCount { get; init; } = 1;

    public DateTimeOffset? SentAt { get; init; }

    /// <summary>String message attributes, when the sender set any.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

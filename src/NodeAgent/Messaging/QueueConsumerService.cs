using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Lifecycle;
using Prometheus;

namespace NodeAgent.Messaging;

/// <summary>
/// Long-polls this node's queue and hands each message to the handler for its type. Every message of a received batch
/// is handled on its own, side by side, under its own guard: one that cannot be decoded, or whose handler throws, never
/// holds up or takes down its neighbours. While a handler runs, the message's visibility is extended so no other
/// receive sees it; the message is deleted only after the work completed or failed for good. A rejected message (bad
/// envelope, bad signature, bad body, any parser exception) is never executed: it is moved to the dead-letter queue at
/// once with its reason in the <c>nodeagent-rejection</c> attribute (without a dead-letter queue, it is released and
/// SQS's redrive moves it after <c>max_receive_count</c> receives).
/// </summary>
public sealed partial class QueueConsumerService : AgentLoop
{
    private readonly IMessageQueue _queues;
    private readonly NodeQueue _nodeQueue;
    private readonly MessageCodec _codec;
    private readonly QueueSection _settings;
    private readonly Dictionary<string, IMessageHandler> _handlers;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueConsumerService> _logger;
    private readonly Counter _messages;

    public QueueConsumerService(
        IMessageQueue queues,
        NodeQueue nodeQueue,
        MessageCodec codec,
        AgentConfig config,
        IEnumerable<IMessageHandler> handlers,
        IMetricFactory metrics,
        TimeProvider time,
        ILogger<QueueConsumerService> logger)
        : base(time, logger)
    {
        _queues = queues;
        _nodeQueue = nodeQueue;
        _codec = codec;
        _settings = config.Queue;
        _time = time;
        _logger = logger;
        _handlers = new Dictionary<string, IMessageHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.MessageType, handler))
            {
                throw new InvalidOperationException($"two handlers registered for message type '{handler.MessageType}'");
            }
        }

        _messages = metrics.CreateCounter("nodeagent_messages_total", "Queue messages handled, by type and outcome.", ["type", "outcome"]);
    }

    public override string LoopName => "queue consumer";

    /// <summary>Back to back: each round is a long poll that waits up to <c>queue.wait_time</c> for messages.</summary>
    protected override TimeSpan Interval => TimeSpan.Zero;

    protected override TimeSpan InitialDelay => TimeSpan.Zero;

    protected override TimeSpan RetryCeiling => TimeSpan.FromMinutes(1);

    public override Task RunOnceAsync(CancellationToken cancellationToken) => ReceiveOnceAsync(cancellationToken);

    protected override void OnRoundFailed(Exception exception, TimeSpan retryIn) => LogReceiveFailed(_logger, retryIn.TotalSeconds, exception);

    /// <summary>One long poll and the handling of what it returned. Returns the number of messages received.</summary>
    public async Task<int> ReceiveOnceAsync(CancellationToken cancellationToken)
    {
        var url = _nodeQueue.Address.Url;
        var messages = await _queues.ReceiveAsync(url, 10, _settings.WaitTime, cancellationToken);
        await Task.WhenAll(messages.Select(message => ProcessGuardedAsync(url, message, cancellationToken)));
        return messages.Count;
    }

    /// <summary>One message, whatever happens to it: an exception is logged with the message's id, and the message is
    /// left to reappear after its visibility timeout (the next receive tries again, the redrive caps the tries).</summary>
    private async Task ProcessGuardedAsync(Uri url, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(url, message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message reappears after its visibility timeout.
        }
        catch (Exception ex)
        {
            LogMessageFailed(_logger, message.MessageId, ex);
        }
    }

    private async Task ProcessAsync(Uri url, QueueMessage message, CancellationToken cancellationToken)
    {
        var decoded = _codec.Decode(message.Body);
        MessageOutcome outcome;
        string type;
        if (decoded.Envelope is not { } envelope)
        {
            type = "invalid";
            outcome = MessageOutcome.Rejected(decoded.Rejection!);
        }
        else if (!_handlers.TryGetValue(envelope.Type, out var handler))
        {
            type = "unknown";
            outcome = MessageOutcome.Rejected($"no handler for message type '{envelope.Type}' on this node");
        }
        else
        {
            type = envelope.Type;
            outcome = await HandleWithLeaseAsync(url, message, envelope, handler, cancellationToken);
        }

        _messages.WithLabels(type, outcome.Disposition.ToString().ToLowerInvariant()).Inc();
        switch (outcome.Disposition)
        {
            case MessageDisposition.Completed:
                await _queues.DeleteAsync(url, message.ReceiptHandle, cancellationToken);
                LogCompleted(_logger, message.MessageId, type);
                break;
            case MessageDisposition.FailedPermanently:
                await _queues.DeleteAsync(url, message.ReceiptHandle, cancellationToken);
                LogFailedPermanently(_logger, message.MessageId, type, outcome.Reason ?? "unspecified");
                break;
            case MessageDisposition.Rejected:
                await RejectAsync(url, message, type, outcome.Reason ?? "unspecified", cancellationToken);
                break;
            case MessageDisposition.Retry:
                var delay = TimeSpan.FromSeconds(Math.Min(_settings.VisibilityTimeout.TotalSeconds, 5 * Math.Pow(2, Math.Min(message.ReceiveCount, 8))));
                LogRetrying(_logger, message.MessageId, type, delay.TotalSeconds, outcome.Reason ?? "unspecified");
                await _queues.ChangeVisibilityAsync(url, message.ReceiptHandle, delay, cancellationToken);
                break;
        }
    }

    private async Task<MessageOutcome> HandleWithLeaseAsync(
        Uri url, QueueMessage message, MessageEnvelope envelope, IMessageHandler handler, CancellationToken cancellationToken)
    {
        using var leaseStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lease = KeepInvisibleAsync(url, message, leaseStop.Token);
        try
        {
            return await handler.HandleAsync(envelope, message, cancellationToken);
        }
        catch (Exception ex) when (MessageCodec.IsParserException(ex))
        {
            // A parser deep in the handler choked on the body: that is a bad message, not a transient failure.
            return MessageOutcome.Rejected($"the {envelope.Type} body cannot be parsed ({ex.GetType().Name}): {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(_logger, message.MessageId, envelope.Type, ex);
            return MessageOutcome.Retry(ex.Message);
        }
        finally
        {
            await leaseStop.CancelAsync();
            await lease;
        }
    }

    /// <summary>
    /// A rejected message goes to the dead-letter queue at once, with its reason, so it never comes back to be rejected
    /// again nor waits for the redrive. Without a dead-letter queue (or when sending there fails) it is released, and
    /// SQS's redrive policy (if any) moves it after <c>max_receive_count</c> receives.
    /// </summary>
    private async Task RejectAsync(Uri url, QueueMessage message, string type, string reason, CancellationToken cancellationToken)
    {
        LogRejected(_logger, message.MessageId, message.ReceiveCount, _settings.MaxReceiveCount, reason);
        if (_nodeQueue.Address.DeadLetterUrl is { } deadLetters)
        {
            try
            {
                await _queues.SendAsync(deadLetters, message.Body, new Dictionary<string, string>
                {
                    [RejectionAttribute] = SafeText.Escape(reason, 1000),
                    ["nodeagent-type"] = SafeText.Escape(type, 64),
                    ["nodeagent-message-id"] = SafeText.Escape(message.MessageId, 128),
                }, cancellationToken);
                await _queues.DeleteAsync(url, message.ReceiptHandle, cancellationToken);
                LogDeadLettered(_logger, message.MessageId);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeadLetterFailed(_logger, message.MessageId, ex);
            }
        }

        await _queues.ChangeVisibilityAsync(url, message.ReceiptHandle, TimeSpan.Zero, cancellationToken);
    }

    /// <summary>The message attribute that carries a dead-lettered message's rejection reason.</summary>
    public const string RejectionAttribute = "nodeagent-rejection";

    /// <summary>Extends the message's visibility every third of the timeout while its handler runs.</summary>
    private async Task KeepInvisibleAsync(Uri url, QueueMessage message, CancellationToken cancellationToken)
    {
        var period = _settings.VisibilityTimeout / 3;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, cancellationToken);
                await _queues.ChangeVisibilityAsync(url, message.ReceiptHandle, _settings.VisibilityTimeout, cancellationToken);
                LogExtended(_logger, message.MessageId, _settings.VisibilityTimeout.TotalSeconds);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogExtendFailed(_logger, message.MessageId, ex);
            }
        }
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Error, Message = "Receiving from the node queue failed; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogReceiveFailed(ILogger logger, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Information, Message = "Message {MessageId} ({Type}) completed and deleted")]
    private static partial void LogCompleted(ILogger logger, string messageId, string type);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Error, Message = "Message {MessageId} ({Type}) failed permanently and was deleted: {Reason}")]
    private static partial void LogFailedPermanently(ILogger logger, string messageId, string type, string reason);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Warning, Message = "Message {MessageId} rejected (receive {ReceiveCount} of {MaxReceiveCount} before the dead-letter queue): {Reason}")]
    private static partial void LogRejected(ILogger logger, string messageId, int receiveCount, int maxReceiveCount, string reason);

    [LoggerMessage(EventId = 1514, Level = LogLevel.Warning, Message = "Message {MessageId} ({Type}) will be retried in {DelaySeconds:0} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string messageId, string type, double delaySeconds, string reason);

    [LoggerMessage(EventId = 1515, Level = LogLevel.Error, Message = "Handler for message {MessageId} ({Type}) threw")]
    private static partial void LogHandlerFailed(ILogger logger, string messageId, string type, Exception exception);

    [LoggerMessage(EventId = 1518, Level = LogLevel.Error, Message = "Message {MessageId} could not be handled; it reappears after its visibility timeout")]
    private static partial void LogMessageFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(EventId = 1519, Level = LogLevel.Warning, Message = "Message {MessageId} moved to the dead-letter queue with its rejection reason")]
    private static partial void LogDeadLettered(ILogger logger, string messageId);

    [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "Message {MessageId} could not be moved to the dead-letter queue; released for the redrive instead")]
    private static partial void LogDeadLetterFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(EventId = 1516, Level = LogLevel.Debug, Message = "Extended visibility of message {MessageId} by {Seconds:0} s")]
    private static partial void LogExtended(ILogger logger, string messageId, double seconds);

    [LoggerMessage(EventId = 1517, Level = LogLevel.Warning, Message = "Could not extend visibility of message {MessageId}")]
    private static partial void LogExtendFailed(ILogger logger, string messageId, Exception exception);
}

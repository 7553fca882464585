namespace NodeAgent.Messaging;

/// <summary>Sends enveloped (and, with a key, signed) messages to other nodes' queues.</summary>
public sealed class MessagePublisher(IMessageQueue queues, MessageCodec codec)
{
    public Task SendAsync(Uri queueUrl, string type, string body, CancellationToken cancellationToken)
        => queues.SendAsync(queueUrl, codec.Encode(type, body), cancellationToken);
}

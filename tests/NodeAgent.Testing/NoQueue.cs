using NodeAgent.Messaging;

namespace NodeAgent.Testing;

/// <summary>An <see cref="IMessageQueue"/> that records sends and has no queues (for publisher tests with no nodes).</summary>
public sealed class NoQueue : IMessageQueue
{
    public List<(Uri Url, string Body)> Sent { get; } = [];

    public Task<QueueAddress> EnsureQueueAsync(string name, QueueSettings settings, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<QueueAddress> DescribeQueueAsync(Uri queueUrl, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task SendAsync(Uri queueUrl, string body, CancellationToken cancellationToken)
    {
        lock (Sent)
        {
            Sent.Add((queueUrl, body));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(Uri queueUrl, int max, TimeSpan wait, CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<QueueMessage>>([]);

    public Task DeleteAsync(Uri queueUrl, string receiptHandle, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ChangeVisibilityAsync(Uri queueUrl, string receiptHandle, TimeSpan visibility, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteQueueAsync(Uri queueUrl, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> ApproximateCountAsync(Uri queueUrl, CancellationToken cancellationToken) => Task.FromResult(0);
}

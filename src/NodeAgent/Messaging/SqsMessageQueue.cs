using System.Globalization;
using System.Text.Json;
using Amazon.SQS;
using Amazon.SQS.Model;
using NodeAgent.Aws;
using Polly;

namespace NodeAgent.Messaging;

/// <summary><see cref="IMessageQueue"/> over Amazon SQS (JSON protocol) or a compatible server.</summary>
public sealed class SqsMessageQueue(IAmazonSQS sqs, ResiliencePipeline retry, AwsRequestCounter counter) : IMessageQueue
{
    public async Task<QueueAddress> EnsureQueueAsync(string name, QueueSettings settings, CancellationToken cancellationToken)
    {
        Uri? dlqUrl = null;
        string? dlqArn = null;
        if (settings.MaxReceiveCount > 0)
        {
            dlqUrl = await CreateOrUpdateAsync(name + "-dlq", new Dictionary<string, string>
            {
                ["MessageRetentionPeriod"] = Seconds(settings.DeadLetterRetention),
            }, cancellationToken);
            dlqArn = await ArnAsync(dlqUrl, cancellationToken);
        }

        var attributes = new Dictionary<string, string>
        {
            ["VisibilityTimeout"] = Seconds(settings.VisibilityTimeout),
            ["ReceiveMessageWaitTimeSeconds"] = Seconds(settings.ReceiveWaitTime),
            ["MessageRetentionPeriod"] = Seconds(settings.MessageRetention),
        };
        if (dlqArn is not null)
        {
            attributes["RedrivePolicy"] = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["deadLetterTargetArn"] = dlqArn,
                ["maxReceiveCount"] = settings.MaxReceiveCount.ToString(CultureInfo.InvariantCulture),
            }, MessagingJson.Default.DictionaryStringObject);
        }

        var url = await CreateOrUpdateAsync(name, attributes, cancellationToken);
        return new QueueAddress(url, await ArnAsync(url, cancellationToken), dlqUrl);
    }

    public async Task<QueueAddress> DescribeQueueAsync(Uri queueUrl, CancellationToken cancellationToken)
    {
        var attributes = await AttributesAsync(queueUrl, ["QueueArn", "RedrivePolicy"], cancellationToken);
        Uri? dlq = null;
        if (attributes.TryGetValue("RedrivePolicy", out var redrive) && !string.IsNullOrEmpty(redrive))
        {
            using var doc = JsonDocument.Parse(redrive);
            var arn = doc.RootElement.GetProperty("deadLetterTargetArn").GetString();
            var dlqName = arn?.Split(':').LastOrDefault();
            if (dlqName is not null)
            {
                dlq = await UrlOfAsync(dlqName, cancellationToken);
            }
        }

        return new QueueAddress(queueUrl, attributes.GetValueOrDefault("QueueArn") ?? string.Empty, dlq);
    }

    public async Task SendAsync(Uri queueUrl, string body, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "SendMessage");
            await sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = queueUrl.ToString(), MessageBody = body }, ct);
        }, cancellationToken);

    public async Task SendAsync(Uri queueUrl, string body, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "SendMessage");
            await sqs.SendMessageAsync(new SendMessageRequest
            {
                QueueUrl = queueUrl.ToString(),
                MessageBody = body,
                MessageAttributes = attributes.ToDictionary(
                    a => a.Key, a => new MessageAttributeValue { DataType = "String", StringValue = a.Value }),
            }, ct);
        }, cancellationToken);

    public async Task<IReadOnlyList<QueueMessage>> ReceiveAsync(Uri queueUrl, int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var response = await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "ReceiveMessage");
            return await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl.ToString(),
                MaxNumberOfMessages = Math.Clamp(max, 1, 10),
                WaitTimeSeconds = (int)Math.Clamp(wait.TotalSeconds, 0, 20),
                MessageSystemAttributeNames = ["ApproximateReceiveCount", "SentTimestamp"],
                MessageAttributeNames = ["All"],
            }, ct);
        }, cancellationToken);

        return (response.Messages ?? []).Select(m => new QueueMessage
        {
            MessageId = m.MessageId,
            ReceiptHandle = m.ReceiptHandle,
            Body = m.Body ?? string.Empty,
            ReceiveCount = m.Attributes is { } a && a.TryGetValue("ApproximateReceiveCount", out var rc)
                && int.TryParse(rc, CultureInfo.InvariantCulture, out var n) ? n : 1,
            SentAt = m.Attributes is { } b && b.TryGetValue("SentTimestamp", out var st)
                && long.TryParse(st, CultureInfo.InvariantCulture, out var ms) && ms is >= 0 and < 253_402_300_800_000
                    ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
            Attributes = (m.MessageAttributes ?? []).Where(a => a.Value.StringValue is not null)
                .ToDictionary(a => a.Key, a => a.Value.StringValue, StringComparer.Ordinal),
        }).ToList();
    }

    public async Task DeleteAsync(Uri queueUrl, string receiptHandle, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "DeleteMessage");
            await sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = queueUrl.ToString(), ReceiptHandle = receiptHandle }, ct);
        }, cancellationToken);

    public async Task ChangeVisibilityAsync(Uri queueUrl, string receiptHandle, TimeSpan visibility, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "ChangeMessageVisibility");
            await sqs.ChangeMessageVisibilityAsync(new ChangeMessageVisibilityRequest
            {
                QueueUrl = queueUrl.ToString(),
                ReceiptHandle = receiptHandle,
                VisibilityTimeout = (int)Math.Clamp(visibility.TotalSeconds, 0, 43_200),
            }, ct);
        }, cancellationToken);

    public async Task DeleteQueueAsync(Uri queueUrl, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "DeleteQueue");
            try
            {
                await sqs.DeleteQueueAsync(new DeleteQueueRequest { QueueUrl = queueUrl.ToString() }, ct);
            }
            catch (QueueDoesNotExistException)
            {
                // Already gone: the goal state.
            }
        }, cancellationToken);

    public async Task<int> ApproximateCountAsync(Uri queueUrl, CancellationToken cancellationToken)
    {
        var attributes = await AttributesAsync(queueUrl, ["ApproximateNumberOfMessages"], cancellationToken);
        return attributes.TryGetValue("ApproximateNumberOfMessages", out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    private async Task<Uri> CreateOrUpdateAsync(string name, Dictionary<string, string> attributes, CancellationToken cancellationToken)
    {
        var existing = await TryUrlOfAsync(name, cancellationToken);
        if (existing is null)
        {
            return await retry.ExecuteAsync(async ct =>
            {
                counter.Count("sqs", "CreateQueue");
                var created = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes }, ct);
                return new Uri(created.QueueUrl);
            }, cancellationToken);
        }

        await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "SetQueueAttributes");
            await sqs.SetQueueAttributesAsync(new SetQueueAttributesRequest { QueueUrl = existing.ToString(), Attributes = attributes }, ct);
        }, cancellationToken);
        return existing;
    }

    private async Task<Uri> UrlOfAsync(string name, CancellationToken cancellationToken)
        => await TryUrlOfAsync(name, cancellationToken) ?? throw new InvalidOperationException($"SQS queue {name} does not exist");

    private async Task<Uri?> TryUrlOfAsync(string name, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "GetQueueUrl");
            try
            {
                var response = await sqs.GetQueueUrlAsync(new GetQueueUrlRequest { QueueName = name }, ct);
                return new Uri(response.QueueUrl);
            }
            catch (QueueDoesNotExistException)
            {
                return null;
            }
        }, cancellationToken);

    private async Task<string> ArnAsync(Uri url, CancellationToken cancellationToken)
        => (await AttributesAsync(url, ["QueueArn"], cancellationToken)).GetValueOrDefault("QueueArn")
           ?? throw new InvalidOperationException($"SQS queue {url} reported no ARN");

    private async Task<Dictionary<string, string>> AttributesAsync(Uri url, List<string> names, CancellationToken cancellationToken)
        => await retry.ExecuteAsync(async ct =>
        {
            counter.Count("sqs", "GetQueueAttributes");
            var response = await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = url.ToString(), AttributeNames = names }, ct);
            return response.Attributes ?? [];
        }, cancellationToken);

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3.Model;

namespace NodeAgent.Aws;

/// <summary>
/// The record of every AWS call this process makes, for proving an IAM policy against what the agent really does
/// (docs/install.md, "Least privilege, proven"): one JSON line per request attempt with the service, the API operation,
/// the resource's ARN and, for listings, the key prefix, e.g.
/// <c>{"service":"s3","operation":"GetObject","resource":"arn:aws:s3:::bucket/shop/nodes/web/web-1.json"}</c>.
/// Off unless <c>NODEAGENT_AWS_CALL_LOG</c> names a file; lines are appended, so several runs of a node share one file.
/// Only names are written: never credentials, signatures, message bodies or object contents.
/// S3 and SQS calls are taken from the SDK clients' <c>BeforeRequestEvent</c> (every attempt, whatever code path sent
/// it); the clients without an SDK (Route 53, Auto Scaling) call <see cref="Record"/> themselves.
/// </summary>
public sealed class AwsCallLog
{
    public const string Variable = "NODEAGENT_AWS_CALL_LOG";

    /// <summary>The process's log, from <see cref="Variable"/> when the process started; null when it is off. Set once, never changed.</summary>
    public static readonly AwsCallLog? Process = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? new AwsCallLog(path) : null;

    private readonly string _path;
    private readonly Lock _lock = new();

    public AwsCallLog(string path)
    {
        _path = path;
    }

    /// <summary>Appends one call. Failures to write are ignored: the record is a diagnostic, never a reason to fail a call.</summary>
    public void Record(string service, string operation, string resource, string? prefix = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("service", service);
            writer.WriteString("operation", operation);
            writer.WriteString("resource", resource);
            if (prefix is not null)
            {
                writer.WriteString("prefix", prefix);
            }

            writer.WriteEndObject();
        }

        lock (_lock)
        {
            try
            {
                File.AppendAllText(_path, Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n");
            }
            catch (IOException)
            {
                // A diagnostic record: losing a line must not fail the agent's call.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        }
    }

    /// <summary>Records every request of an S3 or SQS client (<paramref name="region"/> goes into SQS ARNs).</summary>
    public void Attach(AmazonServiceClient client, string region)
        => client.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs { Request: { } request })
            {
                RecordRequest(request, region);
            }
        };

    private void RecordRequest(AmazonWebServiceRequest request, string region)
    {
        switch (request)
        {
            case GetObjectRequest r: Record("s3", "GetObject", ObjectArn(r.BucketName, r.Key)); break;
            case GetObjectMetadataRequest r: Record("s3", "HeadObject", ObjectArn(r.BucketName, r.Key)); break;
            case PutObjectRequest r: Record("s3", "PutObject", ObjectArn(r.BucketName, r.Key)); break;
            case DeleteObjectRequest r: Record("s3", "DeleteObject", ObjectArn(r.BucketName, r.Key)); break;
            case DeleteObjectsRequest r:
                foreach (var o in r.Objects ?? [])
                {
                    Record("s3", "DeleteObjects", ObjectArn(r.BucketName, o.Key));
                }

                break;
            case ListObjectsV2Request r: Record("s3", "ListObjectsV2", $"arn:aws:s3:::{r.BucketName}", r.Prefix ?? string.Empty); break;
            case InitiateMultipartUploadRequest r: Record("s3", "CreateMultipartUpload", ObjectArn(r.BucketName, r.Key)); break;
            case UploadPartRequest r: Record("s3", "UploadPart", ObjectArn(r.BucketName, r.Key)); break;
            case CompleteMultipartUploadRequest r: Record("s3", "CompleteMultipartUpload", ObjectArn(r.BucketName, r.Key)); break;
            case AbortMultipartUploadRequest r: Record("s3", "AbortMultipartUpload", ObjectArn(r.BucketName, r.Key)); break;
            case Amazon.SQS.Model.CreateQueueRequest r: Record("sqs", "CreateQueue", QueueArn(region, null, r.QueueName)); break;
            case Amazon.SQS.Model.GetQueueUrlRequest r: Record("sqs", "GetQueueUrl", QueueArn(region, null, r.QueueName)); break;
            case Amazon.SQS.Model.ListQueuesRequest r: Record("sqs", "ListQueues", "*", r.QueueNamePrefix ?? string.Empty); break;
            default:
                var operation = request.GetType().Name is var name && name.EndsWith("Request", StringComparison.Ordinal) ? name[..^"Request".Length] : request.GetType().Name;
                var service = request.GetType().Namespace?.StartsWith("Amazon.SQS", StringComparison.Ordinal) == true ? "sqs" : "s3";
                // The queue or bucket of each request type the agent sends, without reflection (the installed agent is
                // NativeAOT, where request properties cannot be looked up by name).
                var url = request switch
                {
                    Amazon.SQS.Model.ReceiveMessageRequest r => r.QueueUrl,
                    Amazon.SQS.Model.DeleteMessageRequest r => r.QueueUrl,
                    Amazon.SQS.Model.SendMessageRequest r => r.QueueUrl,
                    Amazon.SQS.Model.ChangeMessageVisibilityRequest r => r.QueueUrl,
                    Amazon.SQS.Model.GetQueueAttributesRequest r => r.QueueUrl,
                    Amazon.SQS.Model.SetQueueAttributesRequest r => r.QueueUrl,
                    Amazon.SQS.Model.DeleteQueueRequest r => r.QueueUrl,
                    Amazon.SQS.Model.PurgeQueueRequest r => r.QueueUrl,
                    _ => null,
                };
                var bucket = request switch
                {
                    ListObjectsRequest r => r.BucketName,
                    CopyObjectRequest r => r.DestinationBucket,
                    _ => null,
                };
                Record(service, operation, url is not null ? QueueArnOfUrl(region, url) : bucket is not null ? $"arn:aws:s3:::{bucket}" : "*");
                break;
        }
    }

    private static string ObjectArn(string bucket, string key) => $"arn:aws:s3:::{bucket}/{key}";

    /// <summary>The queue's ARN from its URL (<c>…/ACCOUNT/NAME</c>); the account is unknown for a bare name.</summary>
    public static string QueueArnOfUrl(string region, string url)
    {
        var parts = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath.Trim('/').Split('/') : [];
        return parts.Length == 2 ? QueueArn(region, parts[0], parts[1]) : $"arn:aws:sqs:{region}:*:{url}";
    }

    private static string QueueArn(string region, string? account, string name) => $"arn:aws:sqs:{region}:{account ?? "*"}:{name}";
}

using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using Polly;
using Polly.Retry;

namespace NodeAgent.Aws;

/// <summary>
/// The one retry policy for AWS calls: jittered exponential backoff (Polly) on throttling, 5xx, timeouts and connection
/// failures. The SDK's own retries are turned off so the two never multiply.
/// </summary>
public static partial class AwsResilience
{
    private static readonly HashSet<string> RetryableCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
    };

    public static ResiliencePipeline Create(RetryConfig retry, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder();
        if (retry.MaxAttempts <= 1)
        {
            // One attempt means no retry strategy at all (Polly requires at least one retry in a retry strategy).
            return builder.Build();
        }

        return builder
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } ex && IsTransient(ex, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, args.Outcome.Exception!);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>True for failures worth another attempt. A cancellation the caller asked for never is.</summary>
    public static bool IsTransient(Exception ex, CancellationToken callerToken)
    {
        switch (ex)
        {
            case OperationCanceledException:
                return !callerToken.IsCancellationRequested;
            case AmazonServiceException service:
                return (int)service.StatusCode >= 500
                       || service.StatusCode == HttpStatusCode.TooManyRequests
                       || (service.ErrorCode is { } code && RetryableCodes.Contains(code))
                       || (service.StatusCode == 0 && service.InnerException is { } inner && IsTransient(inner, callerToken));
            case HttpRequestException or IOException or SocketException or TimeoutException:
                return true;
            case AmazonClientException client when client.InnerException is { } cause:
                return IsTransient(cause, callerToken);
            default:
                return false;
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "AWS call failed, retry {Attempt} in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, double delayMs, Exception exception);
}

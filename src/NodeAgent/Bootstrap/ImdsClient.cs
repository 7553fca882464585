using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace NodeAgent.Bootstrap;

/// <summary>
/// IMDSv2 client: PUTs for a session token, then GETs with it. Transient failures are retried with jittered backoff
/// within <see cref="ImdsOptions.TotalTimeout"/>; a 401 (expired or revoked token) fetches a fresh token once and
/// repeats the request. Never goes through an HTTP proxy.
/// </summary>
public sealed partial class ImdsClient : IDisposable
{
    private const string TokenHeader = "X-aws-ec2-metadata-token";
    private const string TokenTtlHeader = "X-aws-ec2-metadata-token-ttl-seconds";

    private readonly ImdsOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;
    private string? _token;

    public ImdsClient(ImdsOptions options, ILogger logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, ConnectTimeout = options.RequestTimeout })
        {
            BaseAddress = options.Endpoint,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var pipeline = new ResiliencePipelineBuilder();
        if (options.MaxAttempts > 1)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<ImdsTransientException>(),
                OnRetry = args =>
                {
                    LogRetry(_logger, args.AttemptNumber + 1, args.Outcome.Exception?.Message ?? "unknown");
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = pipeline
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    /// <summary>GETs a metadata path such as <c>latest/meta-data/instance-id</c> as text; null when IMDS answers 404.</summary>
    public async Task<string?> GetAsync(string path, CancellationToken cancellationToken)
        => await GetBytesAsync(path, cancellationToken) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary>GETs a metadata path as raw bytes (user-data may be gzip); null when IMDS answers 404.</summary>
    public async Task<byte[]?> GetBytesAsync(string path, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(_options.TotalTimeout);
        try
        {
            var refreshed = false;
            while (true)
            {
                var token = _token ??= await FetchTokenAsync(bound.Token);
                var (status, body) = await SendAsync(HttpMethod.Get, path, token, bound.Token);
                switch (status)
                {
                    case HttpStatusCode.OK:
                        return body;
                    case HttpStatusCode.NotFound:
                        return null;
                    case HttpStatusCode.Unauthorized when !refreshed:
                        LogTokenRejected(_logger, path);
                        _token = null;
                        refreshed = true;
                        continue;
                    default:
                        throw new UserDataUnavailableException($"instance metadata {path} answered {(int)status} {status}");
                }
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new UserDataUnavailableException(
                $"instance metadata at {_options.Endpoint} did not answer {path} within {_options.TotalTimeout.TotalSeconds:0.#}s");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or ImdsTransientException)
        {
            throw new UserDataUnavailableException(
                $"instance metadata at {_options.Endpoint} is unreachable for {path} after {_options.MaxAttempts} attempts: {ex.Message}", ex);
        }
    }

    private async Task<string> FetchTokenAsync(CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Put, "latest/api/token", null, cancellationToken);
        var token = System.Text.Encoding.ASCII.GetString(body).Trim();
        if (status != HttpStatusCode.OK || token.Length == 0)
        {
            throw new UserDataUnavailableException($"instance metadata refused a session token: {(int)status} {status}");
        }

        return token;
    }

    private async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(HttpMethod method, string path, string? token, CancellationToken cancellationToken)
    {
        return await _pipeline.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(method, path);
            if (token is null)
            {
                request.Headers.Add(TokenTtlHeader, ((int)_options.TokenTtl.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                request.Headers.Add(TokenHeader, token);
            }

            using var response = await _http.SendAsync(request, ct);
            if ((int)response.StatusCode >= 500)
            {
                throw new ImdsTransientException($"{(int)response.StatusCode} {response.StatusCode}");
            }

            var body = await response.Content.ReadAsByteArrayAsync(ct);
            return (response.StatusCode, body);
        }, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Instance metadata request failed, retrying (attempt {Attempt}): {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Instance metadata rejected the session token for {Path}; fetching a fresh one")]
    private static partial void LogTokenRejected(ILogger logger, string path);

    private sealed class ImdsTransientException(string message) : Exception(message);
}

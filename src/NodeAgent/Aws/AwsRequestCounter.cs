using Prometheus;

namespace NodeAgent.Aws;

/// <summary>
/// Counts AWS requests by service and operation (<c>nodeagent_aws_requests_total</c>): the basis of the cost figures,
/// since S3 and SQS bill per request.
/// </summary>
public sealed class AwsRequestCounter(IMetricFactory metrics)
{
    private readonly Counter _requests = metrics.CreateCounter(
        "nodeagent_aws_requests_total", "AWS API requests sent, by service and operation.", ["service", "operation"]);

    public void Count(string service, string operation) => _requests.WithLabels(service, operation).Inc();
}

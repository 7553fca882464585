using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using NodeAgent.Configuration;

namespace NodeAgent.Aws;

/// <summary>
/// Builds the S3 and SQS clients from <c>aws:</c> (each recorded in <see cref="AwsCallLog"/> when that is on). Explicit endpoints and credentials when configured (S3/SQS-compatible
/// servers, the local stack); otherwise the SDK's default credential chain and the region's endpoints.
/// </summary>
public static class AwsClientFactory
{
    public static IAmazonS3 CreateS3(AwsSection aws)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = aws.S3ForcePathStyle,
            MaxErrorRetry = 0,
            Timeout = aws.Timeout,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        Configure(config, aws, aws.S3Endpoint);
        var credentials = Credentials(aws);
        var client = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
        AwsCallLog.Process?.Attach(client, aws.Region);
        return client;
    }

    /// <summary>An SQS client whose timeout leaves room for a 20 s long poll on top of the ordinary request timeout.</summary>
    public static IAmazonSQS CreateSqs(AwsSection aws)
    {
        var config = new AmazonSQSConfig
        {
            MaxErrorRetry = 0,
            Timeout = aws.Timeout + TimeSpan.FromSeconds(20),
        };
        Configure(config, aws, aws.SqsEndpoint);
        var credentials = Credentials(aws);
        var client = credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
        AwsCallLog.Process?.Attach(client, aws.Region);
        return client;
    }

    private static void Configure(ClientConfig config, AwsSection aws, Uri? endpoint)
    {
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = aws.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(aws.Region);
        }
    }

    /// <summary>
    /// Credentials for the clients that sign their own requests (Route 53, Auto Scaling): <c>aws.credentials</c>, else
    /// the SDK's default chain (environment, profile, the instance profile), resolved when first needed.
    /// </summary>
    public static AWSCredentials ResolveCredentials(AwsSection aws)
        => Credentials(aws) ?? new Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver().ResolveIdentity(null!);

    /// <summary>Static credentials when configured; null means the SDK's default chain.</summary>
    public static AWSCredentials? Credentials(AwsSection aws)
    {
        if (aws.Credentials is not { } c)
        {
            return null;
        }

        var secret = c.SecretAccessKey.Reveal();
        return c.SessionToken is { } token
            ? new SessionAWSCredentials(c.AccessKeyId, secret, token.Reveal())
            : new BasicAWSCredentials(c.AccessKeyId, secret);
    }
}

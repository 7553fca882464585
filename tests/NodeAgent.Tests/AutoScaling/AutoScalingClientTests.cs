using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.AutoScaling;
using NodeAgent.Configuration;
using NodeAgent.Testing;

namespace NodeAgent.Tests.AutoScaling;

/// <summary>The Auto Scaling query client against the loopback stand-in, which checks the SigV4 signature on its own.</summary>
public sealed class AutoScalingClientTests
{
    private static readonly LifecycleHookTarget Hook = new("web-asg", "terminate", "user-data");

    private static AutoScalingClient Client(AutoScalingStandIn standIn, string secret = LocalStack.SecretKey, AWSCredentials? credentials = null)
        => new(standIn.Endpoint, LocalStack.Region, () => credentials ?? new BasicAWSCredentials(LocalStack.AccessKey, secret),
            new RetryConfig { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) },
            TimeSpan.FromSeconds(5), TimeProvider.System, NullLogger.Instance);

    [Fact]
    public async Task Complete_SendsASignedContinue_ThatTheStandInAccepts_AndEndsTheAction()
    {
        await using var standIn = await AutoScalingStandIn.StartAsync();
        standIn.BeginAction("web-asg", "terminate", "i-1");
        using var client = Client(standIn);

        await client.RecordHeartbeatAsync(Hook, "i-1", CancellationToken.None);
        await client.CompleteAsync(Hook, "i-1", LifecycleActionResult.Continue, CancellationToken.None);

        Assert.Empty(standIn.Rejected);
        Assert.Equal(["RecordLifecycleActionHeartbeat ", "CompleteLifecycleAction CONTINUE"], standIn.AcceptedFor("i-1").Select(c => $"{c.Action} {c.Result}"));
        Assert.False(standIn.IsWaiting("web-asg", "terminate", "i-1"));
    }

    [Fact]
    public async Task Complete_WithTemporaryCredentials_SignsTheSessionToken()
    {
        await using var standIn = await AutoScalingStandIn.StartAsync();
        standIn.BeginAction("web-asg", "terminate", "i-2");
        using var client = Client(standIn, credentials: new SessionAWSCredentials(LocalStack.AccessKey, LocalStack.SecretKey, "session-token-1"));

        await client.CompleteAsync(Hook, "i-2", LifecycleActionResult.Abandon, CancellationToken.None);

        Assert.Equal("ABANDON", Assert.Single(standIn.AcceptedFor("i-2")).Result);
    }

    [Fact]
    public async Task Complete_WithNoActionWaiting_ThrowsLifecycleActionNotFound()
    {
        await using var standIn = await AutoScalingStandIn.StartAsync();
        using var client = Client(standIn);

        var ex = await Assert.ThrowsAsync<LifecycleActionNotFoundException>(() => client.CompleteAsync(Hook, "i-3", LifecycleActionResult.Continue, CancellationToken.None));

        Assert.Contains("i-3", ex.Message);
        Assert.Equal("ValidationError", Assert.Single(standIn.Calls).Error);
    }

    [Fact]
    public async Task Complete_WithAWrongSecret_IsRejectedForItsSignature_AndNotRetriedForever()
    {
        await using var standIn = await AutoScalingStandIn.StartAsync();
        standIn.BeginAction("web-asg", "terminate", "i-4");
        using var client = Client(standIn, secret: "wrong");

        var ex = await Assert.ThrowsAsync<AmazonServiceException>(() => client.CompleteAsync(Hook, "i-4", LifecycleActionResult.Continue, CancellationToken.None));

        Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        Assert.Single(standIn.Rejected);
        Assert.True(standIn.IsWaiting("web-asg", "terminate", "i-4"));
    }

    [Fact]
    public void EndpointFor_PrefersConfig_ThenTheSdkVariable_ThenTheRegion()
    {
        var configured = new Uri("http://127.0.0.1:1/");
        Assert.Equal(configured, AutoScalingClient.EndpointFor("eu-west-1", configured, _ => "http://127.0.0.2:2/"));
        Assert.Equal(new Uri("http://127.0.0.2:2/"), AutoScalingClient.EndpointFor("eu-west-1", null, v => v == AutoScalingClient.EndpointVariable ? "http://127.0.0.2:2/" : null));
        Assert.Equal(new Uri("https://autoscaling.eu-west-1.amazonaws.com/"), AutoScalingClient.EndpointFor("eu-west-1", null, _ => null));
        Assert.Equal(new Uri("https://autoscaling.cn-north-1.amazonaws.com.cn/"), AutoScalingClient.EndpointFor("cn-north-1", null, _ => null));
    }
}

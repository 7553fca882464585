using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Messaging;

namespace NodeAgent.Tests.Messaging;

public sealed class MessageCodecTests
{
    private static readonly byte[] Key = "s3cret-key-for-tests"u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Decode_OfASignedEncode_VerifiesAndKeepsTheBodyExactly()
    {
        var codec = new MessageCodec(Key, TimeSpan.FromMinutes(15), _time);
        const string body = """{"app":"shop","revision":"abc","sequence":3}""";

        var result = codec.Decode(codec.Encode("deploy", body));

        Assert.Null(result.Rejection);
        Assert.Equal("deploy", result.Envelope!.Type);
        Assert.Equal(body, result.Envelope.Body);
        Assert.True(result.Envelope.Signed);
    }

    [Fact]
    public void Decode_InsideAnSnsNotification_Unwraps()
    {
        var codec = new MessageCodec(Key, TimeSpan.FromMinutes(15), _time);
        var sns = JsonSerializer.Serialize(new { Type = "Notification", MessageId = "m1", TopicArn = "arn:aws:sns:us-east-1:1:t", Message = codec.Encode("deploy", "{}") });

        var result = codec.Decode(sns);

        Assert.Equal("deploy", result.Envelope!.Type);
    }

    public static TheoryData<string, string> Rejections()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var signer = new MessageCodec(Key, TimeSpan.FromMinutes(15), time);
        var wrongKey = new MessageCodec("another-key"u8.ToArray(), TimeSpan.FromMinutes(15), time);
        var unsigned = new MessageCodec(null, TimeSpan.FromMinutes(15), time);
        var good = signer.Encode("deploy", "{}");
        var old = new MessageCodec(Key, TimeSpan.FromMinutes(15), new FakeTimeProvider(time.GetUtcNow().AddHours(-1))).Encode("deploy", "{}");
        var future = new MessageCodec(Key, TimeSpan.FromMinutes(15), new FakeTimeProvider(time.GetUtcNow().AddHours(1))).Encode("deploy", "{}");
        return new TheoryData<string, string>
        {
            { "{not json", "not valid JSON" },
            { "[1,2]", "not a JSON object" },
            { unsigned.Encode("deploy", "{}"), "unsigned" },
            { wrongKey.Encode("deploy", "{}"), "signature does not verify" },
            { good.Replace("\"body\":\"{}\"", "\"body\":\"{\\\"app\\\":\\\"evil\\\"}\""), "signature does not verify" },
            { old, "replay window" },
            { future, "in the future" },
            { good.Replace("{\"nodeagent\":1,", "{\"nodeagent\":1,\"url\":\"https://evil\","), "unknown field 'url'" },
            { good.Replace("\"nodeagent\":1,", "\"nodeagent\":2,"), "'nodeagent' must be 1" },
            // Issue 12 #12: these threw inside the codec (GetInt32) before the signature check.
            { good.Replace("\"nodeagent\":1,", "\"nodeagent\":1.5,"), "'nodeagent' must be 1" },
            { good.Replace("\"nodeagent\":1,", "\"nodeagent\":10000000000,"), "'nodeagent' must be 1" },
            { good.Replace("\"type\":\"deploy\"", "\"type\":\"\\ud800\""), "cannot be decoded" },
            { good.Replace("\"type\":\"deploy\",", string.Empty), "'type' is missing" },
            { good.Replace("\"sent_at\":\"", "\"sent_at\":\"yesterday "), "'sent_at'" },
            { "{\"Type\":\"Notification\",\"Message\":\"{oops\"}", "inside an SNS notification" },
            { new string('x', MessageCodec.MaxMessageBytes + 1), "larger than" },
        };
    }

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Decode_BadMessages_AreRejectedWithAReason(string raw, string reason)
    {
        var codec = new MessageCodec(Key, TimeSpan.FromMinutes(15), _time);

        var result = codec.Decode(raw);

        Assert.Null(result.Envelope);
        Assert.Contains(reason, result.Rejection);
    }

    [Fact]
    public void Decode_WithoutAKey_AcceptsUnsignedMessages()
    {
        var codec = new MessageCodec(null, TimeSpan.FromMinutes(15), _time);

        var result = codec.Decode(codec.Encode("membership", "{}"));

        Assert.False(result.Envelope!.Signed);
    }
}

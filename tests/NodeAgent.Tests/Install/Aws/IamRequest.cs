using NodeAgent.Testing;

namespace NodeAgent.Tests.Install.Aws;

/// <summary>
/// What IAM authorizes for one recorded call: the IAM action (the API operation mapped, e.g. HeadObject and UploadPart
/// are <c>s3:GetObject</c> and <c>s3:PutObject</c>), the resource's ARN and, for a listing, the <c>s3:prefix</c>.
/// This table is the one place the mapping lives (docs/install.md shows it).
/// </summary>
public sealed record IamRequest(string Action, string Resource, string? Prefix)
{
    public static readonly IReadOnlyDictionary<string, string> S3Actions = new Dictionary<string, string>
    {
        ["GetObject"] = "s3:GetObject",
        ["HeadObject"] = "s3:GetObject",
        ["PutObject"] = "s3:PutObject",
        ["CreateMultipartUpload"] = "s3:PutObject",
        ["UploadPart"] = "s3:PutObject",
        ["CompleteMultipartUpload"] = "s3:PutObject",
        ["AbortMultipartUpload"] = "s3:AbortMultipartUpload",
        ["DeleteObject"] = "s3:DeleteObject",
        ["DeleteObjects"] = "s3:DeleteObject",
        ["ListObjectsV2"] = "s3:ListBucket",
        ["ListMultipartUploads"] = "s3:ListBucketMultipartUploads",
    };

    public static IamRequest From(RecordedAwsCall call, string account)
    {
        var resource = call.Resource.Replace(":*:autoScalingGroup:", $":{account}:autoScalingGroup:", StringComparison.Ordinal);
        if (call.Service == "sqs" && resource.Split(':') is { Length: 6 } parts && parts[4] == "*")
        {
            resource = $"{parts[0]}:{parts[1]}:{parts[2]}:{parts[3]}:{account}:{parts[5]}";
        }

        return call.Service switch
        {
            "s3" => new IamRequest(S3Actions.TryGetValue(call.Operation, out var a) ? a : $"s3:(unmapped {call.Operation})", resource, call.Prefix),
            _ => new IamRequest($"{call.Service}:{call.Operation}", resource, call.Prefix),
        };
    }

    public override string ToString() => $"{Action} on {Resource}{(Prefix is null ? string.Empty : $" with s3:prefix '{Prefix}'")}";
}

using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>
/// A small loopback stand-in for the KMS API (JSON 1.1, <c>TrentService.*</c>): <c>GenerateDataKey</c> (AES_256) and
/// <c>Decrypt</c>, with master keys held in memory. The ciphertext blob is the stand-in's own (key ARN, then the data key
/// sealed with AES-256-GCM under the master key, the encryption context as associated data), so a blob only decrypts
/// with the key and context it was made with. Every request must be SigV4-signed for service <c>kms</c> in us-east-1
/// with <see cref="LocalStack.AccessKey"/>/<see cref="LocalStack.SecretKey"/>; the stand-in recomputes the signature
/// and answers 400 InvalidSignatureException when it differs. Keys can be disabled to test the failure path.
/// </summary>
public sealed partial class KmsStandIn : IAsyncDisposable
{
    private const string Account = "111122223333";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, MasterKey> _keys = new(StringComparer.Ordinal);

    private KmsStandIn(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Operations served, in order (e.g. <c>GenerateDataKey</c>, <c>Decrypt</c>).</summary>
    public ConcurrentQueue<string> Operations { get; } = new();

    /// <summary>Requests refused because their signature did not check out.</summary>
    public ConcurrentQueue<string> SignatureErrors { get; } = new();

    public static async Task<KmsStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new KmsStandIn(app);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Endpoint = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return standIn;
    }

    /// <summary>Creates a key and returns its ARN; <paramref name="alias"/> (e.g. <c>alias/backups</c>) also names it.</summary>
    public string CreateKey(string? alias = null)
    {
        var id = Guid.NewGuid().ToString();
        var key = new MasterKey($"arn:aws:kms:us-east-1:{Account}:key/{id}", RandomNumberGenerator.GetBytes(32));
        _keys[id] = key;
        _keys[key.Arn] = key;
        if (alias is not null)
        {
            _keys[alias] = key;
        }

        return key.Arn;
    }

    /// <summary>Disables a key: GenerateDataKey and Decrypt with it answer DisabledException.</summary>
    public void Disable(string keyIdOrArn) => _keys[keyIdOrArn].Enabled = false;

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        if (VerifySignature(context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? string.Empty, headers, Encoding.UTF8.GetBytes(body)) is { } problem)
        {
            SignatureErrors.Enqueue(problem);
            await ErrorAsync(context, "InvalidSignatureException", problem);
            return;
        }

        var target = headers.GetValueOrDefault("x-amz-target") ?? string.Empty;
        JsonObject request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, "SerializationException", ex.Message);
            return;
        }

        var operation = target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : target;
        Operations.Enqueue(operation);
        switch (operation)
        {
            case "GenerateDataKey":
                await GenerateDataKeyAsync(context, request);
                break;
            case "Decrypt":
                await DecryptAsync(context, request);
                break;
            default:
                await ErrorAsync(context, "UnknownOperationException", $"the stand-in does not serve {target}");
                break;
        }
    }

    private async Task GenerateDataKeyAsync(HttpContext context, JsonObject request)
    {
        var keyId = request["KeyId"]?.GetValue<string>() ?? string.Empty;
        if (!_keys.TryGetValue(keyId, out var key))
        {
            await ErrorAsync(context, "NotFoundException", $"Key '{keyId}' does not exist");
            return;
        }

        if (!key.Enabled)
        {
            await ErrorAsync(context, "DisabledException", $"{key.Arn} is disabled.");
            return;
        }

        if (request["KeySpec"]?.GetValue<string>() != "AES_256")
        {
            await ErrorAsync(context, "ValidationException", "the stand-in only makes AES_256 data keys");
            return;
        }

        var dataKey = RandomNumberGenerator.GetBytes(32);
        var arn = Encoding.ASCII.GetBytes(key.Arn);
        var blob = new byte[1 + arn.Length + 12 + 32 + 16];
        blob[0] = (byte)arn.Length;
        arn.CopyTo(blob, 1);
        var at = 1 + arn.Length;
        RandomNumberGenerator.Fill(blob.AsSpan(at, 12));
        using (var aes = new AesGcm(key.Material, 16))
        {
            aes.Encrypt(blob.AsSpan(at, 12), dataKey, blob.AsSpan(at + 12, 32), blob.AsSpan(at + 44, 16), Context(request));
        }

        await JsonAsync(context, new JsonObject
        {
            ["CiphertextBlob"] = Convert.ToBase64String(blob),
            ["KeyId"] = key.Arn,
            ["Plaintext"] = Convert.ToBase64String(dataKey),
        });
    }

    private async Task DecryptAsync(HttpContext context, JsonObject request)
    {
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(request["CiphertextBlob"]?.GetValue<string>() ?? string.Empty);
        }
        catch (FormatException)
        {
            await ErrorAsync(context, "InvalidCiphertextException", "CiphertextBlob is not base64");
            return;
        }

        if (blob.Length < 1 || blob.Length != 1 + blob[0] + 60)
        {
            await ErrorAsync(context, "InvalidCiphertextException", "the ciphertext blob is malformed");
            return;
        }

        var arn = Encoding.ASCII.GetString(blob, 1, blob[0]);
        if (!_keys.TryGetValue(arn, out var key))
        {
            await ErrorAsync(context, "NotFoundException", $"Key '{arn}' does not exist");
            return;
        }

        if (request["KeyId"]?.GetValue<string>() is { } asked && (!_keys.TryGetValue(asked, out var named) || named.Arn != key.Arn))
        {
            await ErrorAsync(context, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");
            return;
        }

        if (!key.Enabled)
        {
            await ErrorAsync(context, "DisabledException", $"{key.Arn} is disabled.");
            return;
        }

        var at = 1 + blob[0];
        var dataKey = new byte[32];
        try
        {
            using var aes = new AesGcm(key.Material, 16);
            aes.Decrypt(blob.AsSpan(at, 12), blob.AsSpan(at + 12, 32), blob.AsSpan(at + 44, 16), dataKey, Context(request));
        }
        catch (AuthenticationTagMismatchException)
        {
            await ErrorAsync(context, "InvalidCiphertextException", "the ciphertext or its encryption context does not match");
            return;
        }

        await JsonAsync(context, new JsonObject
        {
            ["KeyId"] = key.Arn,
            ["Plaintext"] = Convert.ToBase64String(dataKey),
            ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT",
        });
    }

    /// <summary>The encryption context, canonical (sorted by key), as associated data.</summary>
    private static byte[] Context(JsonObject request)
        => Encoding.UTF8.GetBytes(string.Join('\n', (request["EncryptionContext"] as JsonObject ?? [])
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value?.GetValue<string>()}")));

    private static string? VerifySignature(string method, string path, string queryString, Dictionary<string, string> headers, byte[] body)
    {
        if (!headers.TryGetValue("authorization", out var authorization))
        {
            return "no Authorization header";
        }

        var match = Authorization().Match(authorization);
        if (!match.Success)
        {
            return $"Authorization is not AWS4-HMAC-SHA256: {authorization}";
        }

        var (accessKey, date, region, service, signedHeaders, signature) =
            (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value, match.Groups["headers"].Value, match.Groups["sig"].Value);
        if (accessKey != LocalStack.AccessKey || region != LocalStack.Region || service != "kms")
        {
            return $"credential scope {accessKey}/{region}/{service} is not {LocalStack.AccessKey}/{LocalStack.Region}/kms";
        }

        if (!headers.TryGetValue("x-amz-date", out var amzDate) || !amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            return "X-Amz-Date is missing or does not match the credential date";
        }

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (headers.TryGetValue("x-amz-content-sha256", out var claimed) && claimed != payloadHash)
        {
            return "X-Amz-Content-SHA256 does not match the body";
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host") || !names.Contains("x-amz-date") || !names.Contains("x-amz-target"))
        {
            return "host, x-amz-date and x-amz-target must be signed";
        }

        var query = string.Join('&', queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : string.Empty))))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)
            .Select(p => $"{p.Item1}={p.Item2}"));
        var canonical = $"{method}\n{path}\n{query}\n"
            + string.Concat(names.Select(n => $"{n}:{headers.GetValueOrDefault(n)?.Trim()}\n"))
            + $"\n{signedHeaders}\n{payloadHash}";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{date}/{region}/{service}/aws4_request\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + LocalStack.SecretKey);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
        return expected == signature ? null : $"signature does not match; canonical request was:\n{canonical}";
    }

    private static Task ErrorAsync(HttpContext context, string type, string message)
    {
        context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
        return JsonAsync(context, new JsonObject { ["__type"] = type, ["message"] = message }, setStatus: false);
    }

    private static async Task JsonAsync(HttpContext context, JsonObject body, bool setStatus = true)
    {
        if (setStatus)
        {
            context.Response.StatusCode = (int)HttpStatusCode.OK;
        }

        context.Response.ContentType = "application/x-amz-json-1.1";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, SignedHeaders=(?<headers>[a-z0-9;-]+), Signature=(?<sig>[0-9a-f]{64})$")]
    private static partial Regex Authorization();

    private sealed class MasterKey(string arn, byte[] material)
    {
        public string Arn { get; } = arn;

        private volatile bool _enabled = true;

        public byte[] Material { get; } = material;

        public bool Enabled
        {
            get => _enabled;
            set => _enabled = value;
        }
    }
}

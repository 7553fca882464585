using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Configuration;

/// <summary>
/// Issue 12, user-data behaviours 1-11: each input used to crash <c>validate</c>, hang it, pass when it should not, or
/// answer with the wrong exit code. Each now gets exit 0 or 3 with a reason, quickly and without a stack trace.
/// </summary>
public sealed class UserDataHardeningTests
{
    private const string Web = $$"""
        version: 1
        role: web
        cluster: shop
        aws:
          region: eu-west-1
          bucket: acme-shop
        web:
          {{TestKeys.PublishKeyYaml}}
          apps:
            - name: shop
              repository: {type: git, url: "https://git.example.com/shop.git"}
        """;

    internal static async Task<(int Code, string Output)> ValidateAsync(byte[] content)
    {
        using var dir = new TempDir();
        var file = dir.Combine("user-data");
        await File.WriteAllBytesAsync(file, content);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new CliContext(BuiltInRoles.Catalog(), stdout, stderr) { GetEnvironment = _ => null };
        var code = await NodeAgentCli.RunAsync(["validate", file], context);
        var output = stdout + stderr.ToString();
        Assert.DoesNotContain("   at ", output);
        Assert.DoesNotContain("internal error", output);
        return (code, output);
    }

    /// <summary>CPU time and allocation of reading <paramref name="content"/> (decode, parse, validate), on this thread
    /// alone, so tests running beside it do not count. Wall time is bounded too, generously (the machine is shared).</summary>
    internal static (TimeSpan Elapsed, double Megabytes) Measure(byte[] content)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var cpu = ThreadCpuTime.Now();
        var clock = Stopwatch.StartNew();
        try
        {
            NodeAgent.Bootstrap.UserDataReader.Read(new NodeAgent.Bootstrap.RawUserData(content, "measure", null), BuiltInRoles.Catalog().SectionReaders);
        }
        catch (NodeAgent.Configuration.ConfigException)
        {
            // Invalid is an answer too; only the cost is measured here.
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"reading took {clock.Elapsed} of wall time");
        return (ThreadCpuTime.Now() - cpu, (GC.GetAllocatedBytesForCurrentThread() - allocated) / (1024.0 * 1024));
    }

    private static Task<(int Code, string Output)> ValidateAsync(string text) => ValidateAsync(Encoding.UTF8.GetBytes(text));

    private static async Task AssertInvalidAsync(string text, string fragment)
    {
        var (code, output) = await ValidateAsync(text);
        Assert.True(code == 3, $"exit {code}: {output}");
        Assert.Contains(fragment, output);
    }

    [Fact]
    public async Task Baseline_TheDocumentTheseTestsMutate_IsValid()
    {
        var (code, output) = await ValidateAsync(Web);
        Assert.True(code == 0, output);
    }

    [Theory]
    [InlineData("registry: {heartbeat_interval: \u0663\u0660s}", "registry.heartbeat_interval: expected a duration")]
    [InlineData("registry: {heartbeat_interval: 3\u0660s}", "registry.heartbeat_interval: expected a duration")]
    [InlineData("node: {shutdown_timeout: \uFF13s}", "node.shutdown_timeout: expected a duration")]
    public async Task Behaviour01_NonAsciiDigitsInADuration_AreInvalid_NotACrash(string line, string fragment)
        => await AssertInvalidAsync(Web + "\n" + line + "\n", fragment);

    [Fact]
    public async Task Behaviour01_NonAsciiDigitsInASizeOrARegion_AreInvalid()
    {
        await AssertInvalidAsync(Web.Replace("  apps:", "  min_free_space: \u0662GB\n  apps:"), "web.min_free_space: expected a size");
        await AssertInvalidAsync(Web.Replace("eu-west-1", "eu-west-\u0661"), "aws.region: expected an AWS region");
    }

    [Fact]
    public async Task Behaviour02_JsonWithALoneSurrogateEscape_IsInvalidWithAReason()
    {
        await AssertInvalidAsync("""{"version":1,"role":"web","cluster":"\ud800","aws":{"region":"eu-west-1","bucket":"acme-shop"}}""", "not valid Unicode");
        await AssertInvalidAsync("""{"version":1,"\udc00":1}""", "not valid Unicode");
    }

    [Theory]
    [InlineData(30_000)]
    [InlineData(100_000)]
    public async Task Behaviour03_DeeplyNestedYamlFlowCollections_AreRefusedQuickly_WithoutAStackOverflow(int levels)
    {
        var text = "a: " + new string('[', levels) + new string(']', levels) + "\n";
        await AssertInvalidAsync(text, "nested more than 64 levels");
        var (cpu, _) = Measure(Encoding.UTF8.GetBytes(text));
        Assert.True(cpu < TimeSpan.FromSeconds(2), $"took {cpu} of CPU");
    }

    [Fact]
    public async Task Behaviour03_DeeplyNestedBlockSequencesAndJson_AreRefused()
    {
        await AssertInvalidAsync(string.Concat(Enumerable.Repeat("- ", 200_000)) + "x\n", "nested more than 64 levels");
        await AssertInvalidAsync("{\"a\":" + new string('[', 70) + new string(']', 70) + "}", "maximum configured depth of 64");
    }

    [Theory]
    [InlineData("cluster: shop", "cluster: \"shop\\n\"", "cluster: contains a newline")]
    [InlineData("bucket: acme-shop", "bucket: \"acme-shop\\n\"", "aws.bucket: contains a newline")]
    [InlineData("- name: shop", "- name: \"shop\\n\"", "web.apps[0].name: contains a newline")]
    [InlineData("cluster: shop", "cluster: shop\ndns: {zone: \"shop.internal\\n\", provider: route53, route53: {hosted_zone_id: Z1}}", "dns.zone: contains a newline")]
    [InlineData("cluster: shop", "cluster: shop\nnode: {id: \"web-1\\n\"}", "node.id: contains a newline")]
    [InlineData("cluster: shop", "cluster: shop\ndns: {zone: shop.internal, provider: rfc2136, rfc2136: {server: 127.0.0.1, key_name: \"k\\n\", key_secret: c2VjcmV0}}", "dns.rfc2136.key_name: contains a newline")]
    public async Task Behaviour04_AValueWithATrailingNewline_FailsEveryNameCheck(string from, string to, string fragment)
        => await AssertInvalidAsync(Web.Replace(from, to), fragment);

    [Fact]
    public async Task Behaviour04_LbHostsCheckPathsAndCookies_WithATrailingNewline_AreRefused()
    {
        const string lb = """
            version: 1
            role: lb
            cluster: shop
            aws: {region: eu-west-1, bucket: acme-shop}
            lb:
              http_bind: 127.0.0.1:8080
              allowed_cidrs: [127.0.0.0/8]
              backends:
                - app: shop
                  cookie: "SRV\n"
                  hosts: ["shop.example.com\n"]
                  check: {path: "/healthz\n", host: "shop.example.com\n"}
            """;
        var (code, output) = await ValidateAsync(lb);
        Assert.Equal(3, code);
        Assert.Contains("lb.backends[0].cookie: contains a newline", output);
        Assert.Contains("lb.backends[0].hosts[0]: contains a newline", output);
        Assert.Contains("lb.backends[0].check.path: contains a newline", output);
        Assert.Contains("lb.backends[0].check.host: contains a newline", output);
    }

    [Fact]
    public async Task Behaviour05_ATaggedDuplicateKey_IsAnError_AndATaggedKeyAloneCounts()
    {
        await AssertInvalidAsync(Web.Replace("role: web", "!!str role: lb\nrole: web"), "key 'role' appears twice");
        await AssertInvalidAsync(Web.Replace("aws:\n", "!!str aws: {region: us-east-1, bucket: other}\naws:\n"), "key 'aws' appears twice");
        var (code, output) = await ValidateAsync(Web.Replace("role: web", "!!str role: web"));
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Behaviour06_ATruncatedGzip_IsRefused_AndHidesNoLaterError()
    {
        var gzip = Gzip(Encoding.UTF8.GetBytes(Web + "\nclustr: a typo further down\n" + new string('#', 4000) + "\n"));
        var (code, output) = await ValidateAsync(gzip[..(gzip.Length * 2 / 3)]);
        Assert.Equal(3, code);
        Assert.Contains("gzip user-data is truncated", output);
        var (whole, wholeOutput) = await ValidateAsync(gzip);
        Assert.Equal(3, whole);
        Assert.Contains("clustr: unknown key (did you mean 'cluster'?)", wholeOutput);
    }

    [Theory]
    [InlineData("node: {address: '10'}", "node.address")]
    [InlineData("node: {address: '2130706433'}", "node.address")]
    [InlineData("node: {address: '127.1'}", "node.address")]
    [InlineData("node: {address: '010.0.0.1'}", "node.address")]
    [InlineData("node: {address: '0x7f.0.0.1'}", "node.address")]
    [InlineData("status: {listen: '1:9780'}", "status.listen")]
    [InlineData("status: {listen: '127.0.0.1:09780'}", "status.listen")]
    public async Task Behaviour07_ShortOrOddIpv4Forms_AreNotAddresses(string line, string path)
        => await AssertInvalidAsync(Web.Replace("cluster: shop", "cluster: shop\n" + line), path + ": expected");

    [Fact]
    public async Task Behaviour08_ANodeIdWithTwoDots_IsRefused_AsTheRegistryRefusesIt()
    {
        await AssertInvalidAsync(Web.Replace("cluster: shop", "cluster: shop\nnode: {id: a..b}"), "node.id: expected 1-64 letters");
        Assert.False(NodeAgent.Configuration.Names.IsNodeId("a..b"));
    }

    [Fact]
    public async Task Behaviour09_TwentyThousandUnknownKeys_PrintFiftyErrorsAndACount_InBoundedTimeAndMemory()
    {
        var text = new StringBuilder(Web).Append('\n');
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("unknown_").Append(i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).Append(": 1\n");
        }

        var (code, output) = await ValidateAsync(text.ToString());
        var (elapsed, megabytes) = Measure(Encoding.UTF8.GetBytes(text.ToString()));
        Assert.Equal(3, code);
        Assert.Contains("(20000 errors)", output);
        Assert.Contains("... and 19950 more", output);
        Assert.Equal(50, output.Split('\n').Count(l => l.Contains(": unknown key")));
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"took {elapsed} of CPU");
        Assert.True(megabytes < 200, $"allocated {megabytes:0} MB");
    }

    [Fact]
    public async Task Behaviour09_AMebibyteOfUnknownKeys_IsRefusedAsTooManyValues()
    {
        var text = new StringBuilder(Web).Append('\n');
        for (var i = 0; text.Length < 1_000_000; i++)
        {
            text.Append('k').Append(i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)).Append(": 1\n");
        }

        await AssertInvalidAsync(text.ToString(), "more than 50000 values");
        var (cpu, megabytes) = Measure(Encoding.UTF8.GetBytes(text.ToString()));
        Assert.True(cpu < TimeSpan.FromSeconds(2), $"took {cpu} of CPU");
        Assert.True(megabytes < 200, $"allocated {megabytes:0} MB");
    }

    [Fact]
    public async Task Behaviour10_Base64OfBase64_IsUnwrapped_AsDocumented()
    {
        var twice = Convert.ToBase64String(Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(Web))));
        var (code, output) = await ValidateAsync(twice);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Behaviour10_AMimeDocumentWhoseOtherPartIsNotText_IsReadForItsAgentPart()
    {
        var mime = new MemoryStream();
        mime.Write(Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=\"XX\"\nMIME-Version: 1.0\n\n--XX\nContent-Type: application/octet-stream\n\n"));
        mime.Write(Enumerable.Range(128, 128).Select(b => (byte)b).ToArray());
        mime.Write(Encoding.ASCII.GetBytes("\n--XX\nContent-Type: text/x-nodeagent\n\n"));
        mime.Write(Encoding.UTF8.GetBytes(Web));
        mime.Write(Encoding.ASCII.GetBytes("\n--XX--\n"));
        var (code, output) = await ValidateAsync(mime.ToArray());
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Behaviour11_AFileOverOneMebibyte_ExitsThree_NotFour()
    {
        var (code, output) = await ValidateAsync(Web + new string('#', 1100 * 1024) + "\n");
        Assert.Equal(3, code);
        Assert.Contains("at most 1048576", output);
        var (huge, hugeOutput) = await ValidateAsync(new byte[3 * 1024 * 1024]);
        Assert.Equal(3, huge);
        Assert.Contains("user-data may be at most", hugeOutput);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}

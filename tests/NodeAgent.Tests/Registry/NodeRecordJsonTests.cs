using System.Text;
using NodeAgent.Registry;

namespace NodeAgent.Tests.Registry;

/// <summary>Other nodes' registry objects are untrusted: anything off is refused with its reason.</summary>
public sealed class NodeRecordJsonTests
{
    private const string Key = "c1/nodes/web/web-1.json";

    private static NodeRecord Valid() => new()
    {
        Cluster = "c1",
        Role = "web",
        NodeId = "web-1",
        InstanceId = "i-1",
        Address = "10.0.0.5",
        Ports = new Dictionary<string, int> { ["http"] = 80 },
        Apps = new Dictionary<string, AppStatus> { ["shop"] = new() { Release = "r1" } },
        Health = NodeHealth.Healthy,
        StartedAt = DateTimeOffset.UnixEpoch,
        HeartbeatAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void Parse_AcceptsWhatSerializeWrote()
    {
        var (record, error) = NodeRecordJson.Parse(Key, NodeRecordJson.Serialize(Valid()), "c1", "web");

        Assert.Null(error);
        Assert.Equal("10.0.0.5", record!.Address);
        Assert.Equal(80, record.Ports["http"]);
    }

    public static TheoryData<string, string> BadObjects() => new()
    {
        { "{\"schema\": 1, \"cluster\": ", "malformed JSON" },
        { Json(Valid()).Replace("\"health\":\"healthy\"", "\"health\":\"healthy\",\"extra\":1"), "malformed JSON" },
        { Json(Valid() with { Cluster = "c2" }), "cluster 'c2' does not match the key's cluster 'c1'" },
        { Json(Valid() with { Role = "lb" }), "role 'lb' does not match the key's role 'web'" },
        { Json(Valid() with { NodeId = "web-2" }), "node_id 'web-2' does not match the key" },
        { Json(Valid() with { Address = "10.0.0.5; rm -rf /" }), "is not an IP address" },
        { Json(Valid() with { Health = "great" }), "health 'great' is not one of" },
        { Json(Valid() with { Ports = new Dictionary<string, int> { ["http"] = 70000 } }), "a port is outside 1-65535" },
        { Json(Valid() with { Apps = new Dictionary<string, AppStatus> { ["Shop/../x"] = new() } }), "an app name is invalid" },
        { Json(Valid() with { Schema = 2 }), "schema 2 is not 1" },
        { "null", "object is JSON null" },
    };

    [Theory]
    [MemberData(nameof(BadObjects))]
    public void Parse_RefusesABadObject_WithItsReason(string content, string reason)
    {
        var (record, error) = NodeRecordJson.Parse(Key, Encoding.UTF8.GetBytes(content), "c1", "web");

        Assert.Null(record);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Parse_RefusesAnOversizedObject_WithoutParsingIt()
    {
        var (record, error) = NodeRecordJson.Parse(Key, new byte[NodeRecordJson.MaxBytes + 1], "c1", "web");

        Assert.Null(record);
        Assert.Equal($"object is {NodeRecordJson.MaxBytes + 1} bytes; at most {NodeRecordJson.MaxBytes} are accepted", error);
    }

    private static string Json(NodeRecord record) => Encoding.UTF8.GetString(NodeRecordJson.Serialize(record));
}

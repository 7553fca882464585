using NodeAgent.Messaging;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Tests.Messaging;

public sealed class MembershipMessageTests
{
    [Fact]
    public void Serialize_ThenParse_RoundTrips()
    {
        var message = new MembershipMessage { Cluster = "shop-prod", Role = "web", NodeId = "web-1", Event = MembershipMessage.Removed, By = "lb-1" };

        var (parsed, error) = MembershipMessage.Parse(message.Serialize(), BuiltInRoles.Catalog().Names);

        Assert.Null(error);
        Assert.Equal(message, parsed);
        Assert.Equal("""{"cluster":"shop-prod","role":"web","node_id":"web-1","event":"removed","by":"lb-1"}""", message.Serialize());
    }

    [Theory]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1","event":"join","extra":1}""", "not valid")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1"}""", "not valid")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"../x","event":"join"}""", "node_id is not a valid node id")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1","event":"explode"}""", "event 'explode' is not one of join, leave, removed")]
    [InlineData("""{"cluster":"c1","role":"cache","node_id":"web-1","event":"join"}""", "role 'cache' is not a role")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1","event":"removed"}""", "a removed event needs 'by'")]
    [InlineData("""{"cluster":"c1","role":"web","node_id":"web-1","event":"join","by":"lb-1"}""", "'by' is only for removed events")]
    [InlineData("null", "JSON null")]
    public void Parse_RejectsAnythingButTheStrictSchema(string body, string reason)
    {
        var (parsed, error) = MembershipMessage.Parse(body, BuiltInRoles.Catalog().Names);

        Assert.Null(parsed);
        Assert.Contains(reason, error);
    }
}

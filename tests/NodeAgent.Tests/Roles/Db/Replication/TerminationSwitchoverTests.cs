using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Replication;
using NodeAgent.Roles.Db.Replication.Switchover;
using PlannedOutcome = NodeAgent.Roles.Db.Lifecycle.SwitchoverOutcome;

namespace NodeAgent.Tests.Roles.Db.Replication;

/// <summary>A primary being terminated hands over through the planned switchover; anything else falls back to archiving.</summary>
public sealed class TerminationSwitchoverTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(DatabaseView.Replica)]
    [InlineData(DatabaseView.Fenced)]
    [InlineData(DatabaseView.Starting)]
    public async Task A_node_that_is_not_the_primary_asks_nobody(string? role)
    {
        var client = new RecordingSwitchover(Ok());
        var result = await Subject(role, client).SwitchOverAsync(CancellationToken.None);
        Assert.Equal(PlannedOutcome.NotApplicable, result.Outcome);
        Assert.Empty(client.Requests);
    }

    [Fact]
    public async Task A_primary_hands_over_to_the_most_caught_up_replica_as_itself()
    {
        var client = new RecordingSwitchover(Ok());
        var result = await Subject(DatabaseView.Primary, client).SwitchOverAsync(CancellationToken.None);
        Assert.Equal(PlannedOutcome.SwitchedOver, result.Outcome);
        Assert.Contains("db-2 is the primary now (epoch 8", result.Detail);
        var request = Assert.Single(client.Requests);
        Assert.Null(request.Target);
        Assert.Null(request.ExpectedEpoch);
        Assert.Equal("db-1", request.RequestedBy);
        Assert.Equal(TerminationSwitchover.Timeout, request.Timeout);
    }

    [Fact]
    public async Task No_replica_to_hand_over_to_is_not_applicable()
    {
        var client = new RecordingSwitchover(new SwitchoverOutcome(false, "r1", null, 7, null, "no live replica to switch over to in cluster shop"));
        var result = await Subject(DatabaseView.Primary, client).SwitchOverAsync(CancellationToken.None);
        Assert.Equal(PlannedOutcome.NotApplicable, result.Outcome);
        Assert.Contains("no live replica", result.Detail);
    }

    [Fact]
    public async Task A_replica_that_did_not_take_over_is_a_failure_named_after_it()
    {
        var client = new RecordingSwitchover(new SwitchoverOutcome(false, "r1", "db-2", 7, null, "no outcome within 1m30s"));
        var result = await Subject(DatabaseView.Primary, client).SwitchOverAsync(CancellationToken.None);
        Assert.Equal(PlannedOutcome.Failed, result.Outcome);
        Assert.Equal("db-2: no outcome within 1m30s", result.Detail);
    }

    private static SwitchoverOutcome Ok() => new(true, "r1", "db-2", 8, 3, "promoted");

    private static TerminationSwitchover Subject(string? role, IDbSwitchover client)
    {
        var state = new ReplicationState { View = role is null ? null : new DatabaseView { Role = role, Engine = "postgresql" } };
        var identity = new NodeIdentity { Cluster = "shop", Role = "db", NodeId = "db-1", InstanceId = "i-1", Address = System.Net.IPAddress.Loopback, Source = "test" };
        return new TerminationSwitchover(state, client, identity, NullLogger<TerminationSwitchover>.Instance);
    }

    private sealed class RecordingSwitchover(SwitchoverOutcome outcome) : IDbSwitchover
    {
        public List<SwitchoverRequest> Requests { get; } = [];

        public Task<SwitchoverOutcome> SwitchOverAsync(SwitchoverRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(outcome);
        }
    }
}

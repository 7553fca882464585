using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Registry;

namespace NodeAgent.Tests.Registry;

/// <summary>A graceful stop drains first: draining is published, participants run (bounded), health stays draining.</summary>
public sealed class DrainTests
{
    [Fact]
    public void Board_StaysDraining_WhateverAHealthCheckSaysLater()
    {
        var board = new NodeStatusBoard();
        board.SetHealth(NodeHealth.Healthy);

        board.BeginDrain();
        board.SetHealth(NodeHealth.Healthy);

        Assert.Equal(NodeHealth.Draining, board.Health);
        Assert.True(board.IsDraining);
    }

    [Fact]
    public void Board_EnsureApp_KeepsAReleaseADeploySet()
    {
        var board = new NodeStatusBoard();
        board.SetApp("shop", new AppStatus { Release = "r7" });

        board.EnsureApp("shop");
        board.EnsureApp("blog");

        Assert.Equal("r7", board.Apps["shop"].Release);
        Assert.Null(board.Apps["blog"].Release);
    }

    [Fact]
    public async Task Drain_PublishesDrainingBeforeTheParticipantsRun()
    {
        var (drain, registry, _) = Create(TimeSpan.FromSeconds(10), new RecordingParticipant());
        await drain.RegistrationForTest.PublishAsync(CancellationToken.None);

        await drain.Drain.RunAsync(CancellationToken.None);

        Assert.Equal([NodeHealth.Starting, NodeHealth.Draining], registry.Puts.Select(p => p.Health));
        var participant = (RecordingParticipant)drain.Participants[0];
        Assert.Equal(NodeHealth.Draining, participant.HealthWhenRun);
    }

    [Fact]
    public async Task Drain_GivesUpOnAParticipantAfterHalfTheShutdownTimeout()
    {
        var (drain, _, _) = Create(TimeSpan.FromSeconds(2), new HangingParticipant());
        await drain.RegistrationForTest.PublishAsync(CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await drain.Drain.RunAsync(CancellationToken.None);

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Drain_DoesNothing_ForANodeThatNeverRegistered()
    {
        var participant = new RecordingParticipant();
        var (drain, registry, board) = Create(TimeSpan.FromSeconds(10), participant);

        await drain.Drain.RunAsync(CancellationToken.None);

        Assert.Empty(registry.Puts);
        Assert.Null(participant.HealthWhenRun);
        Assert.False(board.IsDraining);
    }

    private static (Harness Drain, FakeRegistry Registry, NodeStatusBoard Board) Create(TimeSpan shutdownTimeout, IDrainParticipant participant)
    {
        var config = new AgentConfig
        {
            Role = "web",
            Cluster = "c1",
            Aws = new AwsSection { Region = "us-east-1", Bucket = "b-1" },
            Node = new NodeSection { ShutdownTimeout = shutdownTimeout },
            Status = new StatusSection { Enabled = false },
        };
        var identity = new NodeIdentity { Cluster = "c1", Role = "web", NodeId = "web-1", InstanceId = "i-1", Address = System.Net.IPAddress.Loopback, Source = "test" };
        var board = new NodeStatusBoard();
        var registry = new FakeRegistry();
        var registration = new NodeRegistration(registry, identity, config, board, new NodeQueue(), TimeProvider.System, [], NullLogger<NodeRegistration>.Instance);
        if (participant is RecordingParticipant recording)
        {
            recording.Board = board;
        }

        var drain = new NodeDrain(board, registration, [participant], config, NullLogger<NodeDrain>.Instance);
        return (new Harness(drain, registration, [participant]), registry, board);
    }

    private sealed record Harness(NodeDrain Drain, NodeRegistration RegistrationForTest, IReadOnlyList<IDrainParticipant> Participants);

    private sealed class RecordingParticipant : IDrainParticipant
    {
        public NodeStatusBoard? Board { get; set; }

        public string? HealthWhenRun { get; private set; }

        public string Name => "recording";

        public Task DrainAsync(CancellationToken cancellationToken)
        {
            HealthWhenRun = Board!.Health;
            return Task.CompletedTask;
        }
    }

    private sealed class HangingParticipant : IDrainParticipant
    {
        public string Name => "hanging";

        public Task DrainAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private sealed class FakeRegistry : INodeRegistry
    {
        public List<NodeRecord> Puts { get; } = [];

        public Task PutAsync(NodeRecord record, CancellationToken cancellationToken)
        {
            Puts.Add(record);
            return Task.CompletedTask;
        }

        public Task DeleteAsync(string cluster, string role, string nodeId, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<RegistryListing> ListAsync(string cluster, string? role, CancellationToken cancellationToken)
            => Task.FromResult(new RegistryListing([], []));
    }
}

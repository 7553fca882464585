using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Configuration;
using NodeAgent.Notifications;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Notifications;

/// <summary>The outbox, the delivery loop and the signature, against a scripted sender and a fake clock.</summary>
public sealed class NotificationDeliveryTests : IDisposable
{
    private readonly TempDir _dir = new("notify");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private sealed class ScriptedSender(Func<int, DeliveryResult> answer) : INotificationSender
    {
        public List<(string Id, int Attempt)> Calls { get; } = [];

        public string ReceiverId => "scripted";

        public string Display => "scripted";

        public IReadOnlyList<string> Events { get; init; } = [];

        public Task<DeliveryResult> SendAsync(NotificationEvent notification, byte[] body, CancellationToken cancellationToken)
        {
            Calls.Add((notification.Id, Calls.Count(c => c.Id == notification.Id) + 1));
            return Task.FromResult(answer(Calls.Count));
        }
    }

    private NotificationOutbox Outbox() => new(_dir.Combine("outbox"), 100, _time, NullLogger.Instance);

    private NotificationDeliveryLoop Loop(INotificationSender sender, NotificationOutbox outbox, NotificationRetry? retry = null)
        => new(sender, outbox, retry ?? new NotificationRetry { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) }, _time, NullLogger<NotificationDeliveryLoop>.Instance);

    private Notifier Notifier(params NotificationDeliveryLoop[] loops) => new(loops, "demo", "lb-1", _time, NullLogger<Notifier>.Instance);

    [Fact]
    public async Task Deliver_RetriesWithGrowingBackoff_UntilTheReceiverRecovers_ThenNeverAgain()
    {
        var sender = new ScriptedSender(call => call <= 4 ? DeliveryResult.Retry("HTTP 500") : DeliveryResult.Ok("HTTP 200"));
        var outbox = Outbox();
        var loop = Loop(sender, outbox);
        var notifier = Notifier(loop);
        notifier.Publish(notifier.Create(NotificationEventTypes.DeployHalted, "shop", "halted", fact: ["shop", "7"]));

        var gaps = new List<TimeSpan>();
        for (var i = 0; i < 200 && outbox.Count > 0; i++)
        {
            await loop.RunOnceAsync(CancellationToken.None);
            if (outbox.NextDue() is { } next && next > _time.GetUtcNow())
            {
                gaps.Add(next - _time.GetUtcNow());
                _time.SetUtcNow(next);
            }
        }

        Assert.Equal(0, outbox.Count);
        Assert.Equal(5, sender.Calls.Count);
        Assert.Single(sender.Calls.Select(c => c.Id).Distinct());
        Assert.Equal(4, gaps.Count);
        Assert.True(gaps[3] > gaps[0], $"backoff did not grow: {string.Join(", ", gaps)}");
        Assert.All(gaps, g => Assert.InRange(g, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Deliver_RefusedForGood_IsDroppedAfterOneAttempt()
    {
        var sender = new ScriptedSender(_ => DeliveryResult.Refused("HTTP 404"));
        var outbox = Outbox();
        var loop = Loop(sender, outbox);
        var notifier = Notifier(loop);
        notifier.Publish(notifier.Create(NotificationEventTypes.NodeRetired, "web-1", "retired"));

        await loop.RunOnceAsync(CancellationToken.None);

        Assert.Single(sender.Calls);
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void Publish_SameTransitionTwice_IsQueuedOnce_AlsoAfterARestart()
    {
        var sender = new ScriptedSender(_ => DeliveryResult.Retry("down"));
        var outbox = Outbox();
        var notifier = Notifier(Loop(sender, outbox));
        var first = notifier.Create(NotificationEventTypes.LbFailover, "lb", "lb-2 took over", fact: ["lb", "epoch-5"]);
        notifier.Publish(first);
        notifier.Publish(notifier.Create(NotificationEventTypes.LbFailover, "lb", "lb-2 took over", fact: ["lb", "epoch-5"]));
        Assert.Equal(1, outbox.Count);

        var reopened = Outbox();
        Assert.Equal(1, reopened.Count);
        Assert.False(reopened.Enqueue(first));
        Assert.Equal(first.Id, reopened.Due(_time.GetUtcNow().AddDays(1)).Single().Event.Id);
    }

    [Fact]
    public void Outbox_DamagedFile_IsSetAsideNotFatal()
    {
        var outbox = Outbox();
        File.WriteAllText(Path.Combine(outbox.DirectoryPath, "20261203T120000000-000001-deadbeef.json"), "{not json");

        var reopened = Outbox();

        Assert.Equal(0, reopened.Count);
        Assert.Single(Directory.GetFiles(outbox.DirectoryPath, "*.bad"));
    }

    [Fact]
    public void Publish_OnlyToReceiversWhoseFilterMatches()
    {
        var deploys = new ScriptedSender(_ => DeliveryResult.Ok("ok")) { Events = ["deploy.*"] };
        var all = new ScriptedSender(_ => DeliveryResult.Ok("ok"));
        var deployOutbox = new NotificationOutbox(_dir.Combine("a"), 100, _time, NullLogger.Instance);
        var allOutbox = new NotificationOutbox(_dir.Combine("b"), 100, _time, NullLogger.Instance);
        var notifier = Notifier(Loop(deploys, deployOutbox), Loop(all, allOutbox));

        notifier.Publish(notifier.Create(NotificationEventTypes.BackupStale, "db-1", "stale"));

        Assert.Equal(0, deployOutbox.Count);
        Assert.Equal(1, allOutbox.Count);
    }

    [Fact]
    public void Signature_VerifiesTheExactBody_AndRefusesTamperingAndReplays()
    {
        var secret = Encoding.UTF8.GetBytes("shared");
        var body = Encoding.UTF8.GetBytes("{\"id\":\"x\"}");
        var now = DateTimeOffset.UtcNow;
        var ts = now.ToUnixTimeSeconds();
        var signature = WebhookSignature.Sign(secret, ts, "0123456789abcdef0123456789abcdef", body);

        Assert.StartsWith("v1=", signature, StringComparison.Ordinal);
        Assert.Null(WebhookSignature.Verify(secret, signature, ts.ToString(), "0123456789abcdef0123456789abcdef", body, now));
        Assert.NotNull(WebhookSignature.Verify(secret, signature, ts.ToString(), "0123456789abcdef0123456789abcdef", Encoding.UTF8.GetBytes("{\"id\":\"y\"}"), now));
        Assert.NotNull(WebhookSignature.Verify(secret, signature, ts.ToString(), "ffffffffffffffffffffffffffffffff", body, now));
        Assert.NotNull(WebhookSignature.Verify(Encoding.UTF8.GetBytes("other"), signature, ts.ToString(), "0123456789abcdef0123456789abcdef", body, now));
        Assert.Contains("replay", WebhookSignature.Verify(secret, signature, ts.ToString(), "0123456789abcdef0123456789abcdef", body, now.AddMinutes(10)), StringComparison.Ordinal);
    }
}

/// <summary>Real webhooks on loopback: a receiver down for 30 s gets every event once; one that never answers delays nothing.</summary>
public sealed class WebhookDeliveryTests : IDisposable
{
    private readonly TempDir _dir = new("webhook");

    public void Dispose() => _dir.Dispose();

    private NotificationDeliveryLoop Loop(WebhookReceiver receiver, string name, TimeSpan timeout)
    {
        var config = new WebhookReceiverConfig { Url = receiver.Url, Secret = SecretValue.Literal("s3cret"), Timeout = timeout };
        return new NotificationDeliveryLoop(
            new WebhookSender(config, WebhookSender.NewClient(), TimeProvider.System),
            new NotificationOutbox(_dir.Combine(name), 1000, TimeProvider.System, NullLogger.Instance),
            new NotificationRetry { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(3) },
            TimeProvider.System,
            NullLogger<NotificationDeliveryLoop>.Instance);
    }

    [Fact]
    public async Task Receiver_Answering500For30s_GetsEveryEventOnce_WithValidSignatures()
    {
        await using var receiver = await WebhookReceiver.StartAsync("s3cret");
        receiver.FailUntil = DateTimeOffset.UtcNow.AddSeconds(30);
        var loop = Loop(receiver, "flaky", TimeSpan.FromSeconds(2));
        var notifier = new Notifier([loop], "demo", "lb-1", TimeProvider.System, NullLogger<Notifier>.Instance);
        await loop.StartAsync(CancellationToken.None);
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                var e = notifier.Create(NotificationEventTypes.DeployBatchReleased, "shop", $"batch {i}", fact: ["shop", "9", i.ToString()]);
                ids.Add(e.Id);
                notifier.Publish(e);
                notifier.Publish(e); // the same transition seen twice
            }

            Assert.True(await receiver.WaitForAsync(r => ids.All(r.Events.ContainsKey), TimeSpan.FromSeconds(60)),
                $"got {receiver.Events.Count} of {ids.Count} events");
            Assert.True(receiver.Attempts.Count(a => a.Status == 500) >= 10, "the receiver was not down");
            Assert.All(receiver.Attempts, a => Assert.Null(a.SignatureProblem));
            Assert.Equal(ids.Order(), receiver.Events.Keys.Order());
            Assert.All(ids, id => Assert.Equal(1, receiver.Attempts.Count(a => a.EventId == id && a.Status == 200)));
        }
        finally
        {
            await loop.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Receiver_ThatNeverAnswers_DelaysNothing()
    {
        await using var dead = await WebhookReceiver.StartAsync("s3cret");
        dead.Hang = true;
        await using var alive = await WebhookReceiver.StartAsync("s3cret");
        var deadLoop = Loop(dead, "dead", TimeSpan.FromSeconds(30));
        var aliveLoop = Loop(alive, "alive", TimeSpan.FromSeconds(2));
        var notifier = new Notifier([deadLoop, aliveLoop], "demo", "lb-1", TimeProvider.System, NullLogger<Notifier>.Instance);
        await deadLoop.StartAsync(CancellationToken.None);
        await aliveLoop.StartAsync(CancellationToken.None);
        try
        {
            var clock = Stopwatch.StartNew();
            var ids = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var e = notifier.Create(NotificationEventTypes.DeployStarted, "shop", $"started {i}");
                ids.Add(e.Id);
                notifier.Publish(e);
            }

            var publishing = clock.Elapsed;
            Assert.True(publishing < TimeSpan.FromSeconds(2), $"publishing 20 events took {publishing}");
            Assert.True(await alive.WaitForAsync(r => ids.All(r.Events.ContainsKey), TimeSpan.FromSeconds(10)), "the live receiver waited for the dead one");
            Assert.True(await dead.WaitForAsync(r => !r.Attempts.IsEmpty, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await Task.WhenAll(deadLoop.StopAsync(stop.Token), aliveLoop.StopAsync(stop.Token));
        }
    }
}

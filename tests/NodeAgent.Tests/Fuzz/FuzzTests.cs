using System.Diagnostics;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Testing;
using Prometheus;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing (CsCheck) of everything a node reads from outside: user-data, message envelopes, registry
/// records and desired states. Cases come from the shipped examples and the seed corpus, by mutation
/// (<see cref="Mutator"/>) and by grammar, at least 2,000 per property, from fixed seeds (set <c>CsCheck_Seed</c> to
/// explore others). Each property asserts the issue 12 rules: a clean answer or a rejection with a reason, never an
/// exception or a stack trace, bounded time and memory, and nothing accepted that would not pass validation again.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Cases = 2000;
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private static readonly Lazy<IReadOnlyList<string>> UserDataSeeds = new(() =>
    {
        var seeds = Directory.GetFiles(RepoPaths.Examples, "*.yaml").Select(File.ReadAllText).ToList();
        seeds.AddRange(Directory.GetFiles(ValidateCorpusTests.CorpusDir)
            .Where(f => new FileInfo(f).Length < 8 * 1024 && !f.EndsWith(".tsv", StringComparison.Ordinal) && !f.EndsWith(".bin", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        return seeds;
    });

    private static IEnumerable<string> CorpusSeeds(string kind)
        => Directory.GetFiles(Path.Combine(Path.GetDirectoryName(ValidateCorpusTests.CorpusDir)!, kind)).Order(StringComparer.Ordinal).Select(File.ReadAllText);

    private void Run<T>(Gen<T> gen, Action<T> property, string seed)
        => gen.Sample(property, writeLine: output.WriteLine, seed: Environment.GetEnvironmentVariable("CsCheck_Seed") ?? seed, iter: Cases, threads: 1);

    [Fact]
    public void UserData_MutatedAndGenerated_IsValidOrInvalidWithReasons_QuicklyAndWithinMemory()
    {
        var gen = Gen.Select(Gen.Int[0, 3], Gen.Int[0, 1000], Gen.Int);
        var valid = 0;
        Run(gen, t =>
        {
            var (kind, pick, number) = t;
            var seeds = UserDataSeeds.Value;
            var bytes = kind == 0 ? Encoding.UTF8.GetBytes(UserDataGrammar.Generate(number)) : Mutator.MutateBytes(seeds[pick % seeds.Count], number);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = ThreadCpuTime.Now();
            var clock = Stopwatch.StartNew();
            AgentConfig? config = null;
            try
            {
                config = UserDataReader.Read(new RawUserData(bytes, "fuzz", null), Roles);
            }
            catch (ConfigException ex)
            {
                Assert.NotEmpty(ex.Errors);
                Assert.True(ex.Errors.Count <= 50);
                Assert.DoesNotContain("internal error", ex.Message);
                Assert.DoesNotContain("   at ", ex.Message);
                Assert.All(ex.Errors, e => Assert.True(SafeText.IsSafe(e.ToString()), "an error message carries a control character"));
            }

            Assert.True(ThreadCpuTime.Now() - cpu < TimeSpan.FromSeconds(2), "took 2 s of CPU or more");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed} of wall time");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 200L * 1024 * 1024, "allocated 200 MB or more");
            if (config is not null)
            {
                valid++;
                // Whatever is accepted passes every validator again.
                Assert.True(Names.IsCluster(config.Cluster));
                Assert.True(config.Node.Id is null || Names.IsNodeId(config.Node.Id));
                Assert.True(config.Node.Address is null || Addresses.IsAddress(config.Node.Address.ToString()));
                Assert.Matches(Names.Bucket(), config.Aws.Bucket);
                Assert.Matches(Names.Region(), config.Aws.Region);
            }
        }, "9pTdBhtxLnP1");
        output.WriteLine($"{valid} of {Cases} documents valid");
        Assert.True(valid > 0, "no document was valid: the property checked only rejections");
    }

    [Fact]
    public async Task Envelopes_MutatedInBatches_EachEndsDeletedDeadLetteredOrReleased_AndTheConsumerNeverThrows()
    {
        var key = Encoding.UTF8.GetBytes("fuzz-key");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var codec = new MessageCodec(key, TimeSpan.FromMinutes(15), time);
        string[] seeds =
        [
            codec.Encode("deploy", new DeployMessage("shop", "main", 3).ToJson()),
            codec.Encode("deploy", new DeployMessage("shop", "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345", 42).ToJson()),
            codec.Encode("membership", new MembershipMessage { Cluster = "shop", Role = "web", NodeId = "web-1", Event = "removed", By = "lb-1", DrainId = "0123456789abcdef", DrainStartedAt = time.GetUtcNow() }.Serialize()),
            codec.Encode("membership", new MembershipMessage { Cluster = "shop", Role = "web", NodeId = "web-1", Event = "join" }.Serialize()),
            "{\"Type\":\"Notification\",\"Message\":" + System.Text.Json.JsonSerializer.Serialize(codec.Encode("deploy", "{\"app\":\"shop\",\"sequence\":1}")) + "}",
            .. CorpusSeeds("messages"),
        ];
        var queue = new BatchQueue();
        var consumer = Consumer(queue, codec);
        var cases = 0;
        var gen = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int).Array[10];
        var batches = new List<(int, int)[]>();
        gen.Sample(batch => batches.Add(batch), seed: Environment.GetEnvironmentVariable("CsCheck_Seed") ?? "aXeLUaLaYyW1", iter: Cases / 10, threads: 1);
        foreach (var batch in batches)
        {
            var messages = batch.Select((c, i) => new QueueMessage
            {
                MessageId = $"m{cases + i}",
                ReceiptHandle = $"r{cases + i}",
                Body = c.Item2 % 5 == 0 ? seeds[c.Item1] : Mutator.Mutate(seeds[c.Item1], c.Item2),
            }).ToList();
            cases += messages.Count;
            queue.Next(messages);
            await consumer.ReceiveOnceAsync(CancellationToken.None);
            foreach (var message in messages)
            {
                Assert.True(queue.Outcome(message.ReceiptHandle) is "deleted" or "dead-lettered" or "released" or "retry",
                    $"message {message.MessageId} ended as {queue.Outcome(message.ReceiptHandle) ?? "nothing"}: {message.Body}");
            }
        }

        Assert.True(cases >= Cases);
        Assert.True(queue.DeadLettered > 0 && queue.Deleted > 0, $"{queue.DeadLettered} dead-lettered, {queue.Deleted} deleted");
        Assert.All(queue.Reasons, r => Assert.False(string.IsNullOrWhiteSpace(r)));
        output.WriteLine($"{cases} envelopes: {queue.Deleted} deleted, {queue.DeadLettered} dead-lettered with a reason");
    }

    [Fact]
    public void RegistryRecords_Mutated_AreAcceptedOnlyWhenEveryFieldPasses_AndNeverBreakTheHaproxyConfig()
    {
        var now = DateTimeOffset.UtcNow;
        var seeds = new[]
        {
            Record("web-1", "10.0.0.5", NodeHealth.Healthy, now),
            Record("i-0abc123", "::ffff:10.0.0.6", NodeHealth.Draining, now) with { Drain = new DrainInfo("0123456789abcdef", now) },
            Record("web.2_x", "127.0.0.3", NodeHealth.Unhealthy, now) with { DnsName = "web-2.shop.internal", QueueUrl = "http://127.0.0.1:4566/000000000000/q" },
        }.Select(r => Encoding.UTF8.GetString(NodeRecordJson.Serialize(r))).Concat(CorpusSeeds("registry")).ToArray();
        using var dir = new TempDir();
        var lb = LbSectionFor();
        var paths = new HaproxyPaths(dir.Path);
        var gen = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int);
        var accepted = 0;
        Run(gen, t =>
        {
            var text = Mutator.Mutate(seeds[t.Item1], t.Item2);
            var nodeId = System.Text.Json.Nodes.JsonNode.Parse(seeds[t.Item1])!["node_id"]!.GetValue<string>().Trim();
            var (record, error) = NodeRecordJson.Parse($"shop/nodes/web/{nodeId}.json", Encoding.UTF8.GetBytes(text), "shop", "web");
            Assert.True((record is null) != (error is null));
            if (record is null)
            {
                Assert.False(string.IsNullOrWhiteSpace(error));
                return;
            }

            accepted++;
            Assert.Null(NodeRecordJson.Check(record, "shop", "web"));
            var server = new HaproxyServer("shop", record.NodeId, System.Net.IPAddress.Parse(record.Address), 8080, 1);
            Assert.Null(server.Problem());
            var membership = HaproxyMembership.Empty.With(server);
            var config = HaproxyConfigRenderer.Render(lb, paths, membership, "shop");
            Assert.Equal(1, config.Split('\n').Count(l => l.TrimStart().StartsWith("server ", StringComparison.Ordinal)));
            membership.Save(paths.Membership);
            Assert.Empty(HaproxyMembership.Load(paths.Membership).Dropped);
        }, "8t80Wify8WR1");
        output.WriteLine($"{accepted} of {Cases} mutated records accepted");
        Assert.True(accepted > 0, "no mutated record was accepted: the property checked only rejections");
    }

    [Fact]
    public void DesiredStates_MutatedAndResigned_AreAppliedOnlyWhenSignedValidAndInBounds_AndPersistOnlyValidState()
    {
        using var signer = TestKeys.Signer();
        using var dir = new TempDir();
        var states = new DeployStateStore(dir.Path, NullLogger<DeployStateStore>.Instance);
        var seeds = new[]
        {
            Desired(1, "main"), Desired(42, "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345"), Desired(DesiredSequence.Max - 1, null), Desired(7, "v1.2.3"),
        }.Select(d => Encoding.UTF8.GetString(DeployJson.Serialize(d))).Concat(CorpusSeeds("desired")).ToArray();
        const string key = "shop/apps/shop/desired.json";
        var applied = 0;
        var gen = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int, Gen.Int[0, 3]);
        Run(gen, t =>
        {
            var (pick, number, signing) = t;
            var content = Encoding.UTF8.GetBytes(Mutator.Mutate(seeds[pick], number));
            // Signed as the publisher would (1, 2), signed over other bytes (3), or not at all (0).
            var signature = signing switch
            {
                0 => null,
                3 => signer.Sign(key, Encoding.UTF8.GetBytes(seeds[pick])),
                _ => signer.Sign(key, content),
            };
            var (desired, problem) = DeployJson.Parse<DesiredRelease>(content);
            problem ??= desired!.Check("shop", "shop");
            var read = new DesiredRead(problem is null ? desired : null, "etag", content, signature, problem, desired?.Sequence);
            var refused = read.Problem
                ?? DesiredStateStore.CheckSignature(read, "shop", "shop", signer.PublicKey)
                ?? DesiredSequence.Check(read.Desired!.Sequence, 40);
            if (signing is 0 or 3 && !content.SequenceEqual(Encoding.UTF8.GetBytes(seeds[pick])))
            {
                Assert.NotNull(refused);
            }

            if (refused is not null)
            {
                Assert.False(string.IsNullOrWhiteSpace(refused));
                return;
            }

            applied++;
            var d = read.Desired!;
            Assert.InRange(d.Sequence, 1, DesiredSequence.Max);
            Assert.True(d.Revision is null || SafeText.IsPrintableAscii(d.Revision));
            var state = new AppDeployState { AppliedSequence = d.Sequence, Revision = d.Revision, Commit = "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345" };
            Assert.Empty(DeployStateStore.Sanitize(state).Dropped);
            states.Save("shop", state);
            Assert.Equal(state, states.Load("shop"));
        }, "3QBZsL59u3k1");
        output.WriteLine($"{applied} of {Cases} desired states would be applied");
        Assert.True(applied > 0, "no desired state was applied: the property checked only refusals");
    }

    private static DesiredRelease Desired(long sequence, string? revision) => new()
    {
        Cluster = "shop",
        App = "shop",
        Sequence = sequence,
        Revision = revision,
        PublishedAt = DateTimeOffset.UnixEpoch,
        PublishedBy = "ci@build",
        Nonce = "0123456789abcdef0123456789abcdef",
    };

    private static NodeRecord Record(string nodeId, string address, string health, DateTimeOffset now) => new()
    {
        Cluster = "shop",
        Role = "web",
        NodeId = nodeId,
        InstanceId = "i-" + nodeId,
        Address = address,
        Ports = new Dictionary<string, int> { ["http"] = 80, ["status"] = 9780 },
        Apps = new Dictionary<string, AppStatus> { ["shop"] = new() { Release = "20261125T120000123-42-3f9a1c2b7d4e", Revision = "3f9a1c2b7d4e", Sequence = 42 } },
        Health = health,
        StartedAt = now,
        HeartbeatAt = now,
        AgentVersion = "0.1.0",
    };

    private static NodeAgent.Roles.Lb.Configuration.LbSection LbSectionFor()
    {
        var config = AgentConfigReader.Read("""
            version: 1
            role: lb
            cluster: shop
            aws: {region: eu-west-1, bucket: acme-shop}
            lb:
              http_bind: 127.0.0.1:8080
              allowed_cidrs: [0.0.0.0/0]
              backends:
                - app: shop
                  cookie: SRV
                  hosts: [shop.example.com]
            """, "fuzz", Roles);
        return config.Section<NodeAgent.Roles.Lb.Configuration.LbSection>();
    }

    private static QueueConsumerService Consumer(BatchQueue queue, MessageCodec codec)
    {
        var nodeQueue = new NodeQueue();
        nodeQueue.Set(new QueueAddress(new Uri("http://127.0.0.1/q"), "arn", new Uri("http://127.0.0.1/q-dlq")));
        var config = AgentConfigReader.Read($$$"""
            version: 1
            role: web
            cluster: shop
            aws: {region: eu-west-1, bucket: acme-shop}
            queue: {visibility_timeout: 30s}
            web:
              {{{TestKeys.PublishKeyYaml}}}
              apps: [{name: shop, repository: {type: git, url: /srv/git/shop}}]
            """, "fuzz", Roles);
        return new QueueConsumerService(queue, nodeQueue, codec, config, [new ParsingHandler("deploy"), new ParsingHandler("membership")],
            Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()), TimeProvider.System, NullLogger<QueueConsumerService>.Instance);
    }

    /// <summary>A handler that runs the real body parsers: completed when the body is valid, rejected with the reason otherwise.</summary>
    private sealed class ParsingHandler(string type) : IMessageHandler
    {
        public string MessageType => type;

        public Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
        {
            var error = type == "deploy"
                ? DeployMessage.Parse(message.Body).Error
                : MembershipMessage.Parse(message.Body, ["web", "lb", "db"]).Error;
            return Task.FromResult(error is null ? MessageOutcome.Completed : MessageOutcome.Rejected(error));
        }
    }

    /// <summary>An in-memory queue that hands out one prepared batch per receive and records what became of each message.</summary>
    private sealed class BatchQueue : IMessageQueue
    {
        private readonly Dictionary<string, string> _outcomes = [];
        private readonly HashSet<string> _deadIds = [];
        private IReadOnlyList<QueueMessage> _next = [];

        public int Deleted { get; private set; }

        public int DeadLettered { get; private set; }

        public List<string> Reasons { get; } = [];

        public void Next(IReadOnlyList<QueueMessage> batch) => _next = batch;

        public string? Outcome(string receipt) => _outcomes.GetValueOrDefault(receipt);

        public Task<IReadOnlyList<QueueMessage>> ReceiveAsync(Uri queueUrl, int max, TimeSpan wait, CancellationToken cancellationToken)
        {
            var batch = _next;
            _next = [];
            return Task.FromResult(batch);
        }

        public Task SendAsync(Uri queueUrl, string body, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
        {
            lock (_outcomes)
            {
                Reasons.Add(attributes[QueueConsumerService.RejectionAttribute]);
                _deadIds.Add(attributes["nodeagent-message-id"]);
            }

            return Task.CompletedTask;
        }

        public Task SendAsync(Uri queueUrl, string body, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DeleteAsync(Uri queueUrl, string receiptHandle, CancellationToken cancellationToken)
        {
            lock (_outcomes)
            {
                var dead = _deadIds.Contains("m" + receiptHandle[1..]);
                _outcomes[receiptHandle] = dead ? "dead-lettered" : "deleted";
                if (dead)
                {
                    DeadLettered++;
                }
                else
                {
                    Deleted++;
                }
            }

            return Task.CompletedTask;
        }

        public Task ChangeVisibilityAsync(Uri queueUrl, string receiptHandle, TimeSpan visibility, CancellationToken cancellationToken)
        {
            lock (_outcomes)
            {
                _outcomes[receiptHandle] = visibility == TimeSpan.Zero ? "released" : "retry";
            }

            return Task.CompletedTask;
        }

        public Task<QueueAddress> EnsureQueueAsync(string name, QueueSettings settings, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<QueueAddress> DescribeQueueAsync(Uri queueUrl, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteQueueAsync(Uri queueUrl, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ApproximateCountAsync(Uri queueUrl, CancellationToken cancellationToken) => Task.FromResult(0);
    }
}

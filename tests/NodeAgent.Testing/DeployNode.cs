using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Processes;
using NodeAgent.Registry;
using NodeAgent.Roles;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Releases;
using NodeAgent.Status;
using NodeAgent.Storage;
using Prometheus;

namespace NodeAgent.Testing;

/// <summary>
/// A web node's deploy machinery in-process, wired exactly as the agent wires it (DI, real fauxqs S3/SQS, real git/svn,
/// real hooks), with its own state dir, web root, queue and logs. For tests that drive the handler, reconciler and
/// consumer directly instead of through the binary.
/// </summary>
public sealed class DeployNode : IAsyncDisposable
{
    private DeployNode(ServiceProvider services, AgentConfig config, NodeIdentity identity, LogSink logs)
    {
        Services = services;
        Config = config;
        Identity = identity;
        Logs = logs;
    }

    public ServiceProvider Services { get; }

    public AgentConfig Config { get; }

    public NodeIdentity Identity { get; }

    public LogSink Logs { get; }

    public Reconciler Reconciler => Services.GetRequiredService<Reconciler>();

    public DeployMessageHandler Handler => Services.GetServices<IMessageHandler>().OfType<DeployMessageHandler>().Single();

    public DeployPublisher Publisher => Services.GetRequiredService<DeployPublisher>();

    public IObjectStore Store => Services.GetRequiredService<IObjectStore>();

    public IMessageQueue Queues => Services.GetRequiredService<IMessageQueue>();

    public NodeQueue Queue => Services.GetRequiredService<NodeQueue>();

    public WebSection Web => Config.Section<WebSection>();

    public AppConfig App(string name = "shop") => Web.Apps.Single(a => a.Name == name);

    public ReleaseLayout Layout(string app = "shop") => new(Web.Root, app);

    /// <summary>Creates a node. <paramref name="web"/> is the YAML body of the <c>web:</c> section (indented two spaces).</summary>
    public static Task<DeployNode> CreateAsync(
        LocalStack stack, string bucket, TempDir dir, string cluster, string nodeId, string web, string queue = "{wait_time: 1s}",
        Action<IServiceCollection>? configure = null)
    {
        var yaml = $$"""
            version: 1
            role: web
            cluster: {{cluster}}
            node:
              id: {{nodeId}}
              instance_id: i-{{nodeId}}
              address: 127.0.0.1
              state_dir: {{dir.Combine(nodeId, "state")}}
            {{stack.AwsYaml(bucket)}}
            queue: {{queue}}
            web:
              {{TestKeys.PublishKeyYaml}}
              root: {{dir.Combine(nodeId, "srv")}}
              poll_interval: 1s
              min_free_space: 1MB
            {{web}}
            """;
        var config = AgentConfigReader.Read(yaml, "test", BuiltInRoles.Catalog().SectionReaders);
        var identity = new NodeIdentity
        {
            Cluster = cluster,
            Role = "web",
            NodeId = nodeId,
            InstanceId = "i-" + nodeId,
            Address = IPAddress.Loopback,
            Source = "test",
        };
        var logs = new LogSink();
        var collection = new ServiceCollection();
        configure?.Invoke(collection);
        collection
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs))
            .AddSingleton(config)
            .AddSingleton(identity)
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddProcesses()
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddSingleton<NodeQueue>()
            .AddSingleton<NodeStatusBoard>()
            .AddSingleton<NodeRegistration>()
            .AddSingleton(TestKeys.Signer())
            .AddSingleton<DeployPublisher>();
        var webSection = config.Section<WebSection>();
        collection.AddSingleton(webSection);
        new RoleBuilder(collection, config).AddDeploys(webSection);
        var services = collection.BuildServiceProvider();
        return Task.FromResult(new DeployNode(services, config, identity, logs));
    }

    /// <summary>Creates this node's queue (short visibility for tests) and registers it with every configured app.</summary>
    public async Task<QueueAddress> StartAsync(bool register = true)
    {
        var address = await Queues.EnsureQueueAsync(
            QueueNames.ForNode(Identity.Cluster, Identity.NodeId), EnsureNodeQueueTask.Settings(Config.Queue), CancellationToken.None);
        Queue.Set(address);
        foreach (var app in Web.Apps)
        {
            Reconciler.PublishToBoard(app);
        }

        if (register)
        {
            await Services.GetRequiredService<NodeRegistration>().PublishAsync(CancellationToken.None);
        }

        return address;
    }

    public QueueConsumerService Consumer() => new(
        Queues, Queue, Services.GetRequiredService<MessageCodec>(), Config, Services.GetServices<IMessageHandler>(),
        Services.GetRequiredService<IMetricFactory>(), TimeProvider.System, Services.GetRequiredService<ILogger<QueueConsumerService>>());

    public Task<PublishResult> PublishAsync(string? revision, string app = "shop")
        => Publisher.PublishAsync(Identity.Cluster, app, revision, "test", CancellationToken.None);

    /// <summary>Reads the file <paramref name="name"/> through <c>current</c>.</summary>
    public string ReadCurrent(string name, string app = "shop") => File.ReadAllText(Path.Combine(Layout(app).CurrentLink, name));

    public AppDeployState State(string app = "shop") => Services.GetRequiredService<DeployStateStore>().Load(app);

    public async ValueTask DisposeAsync() => await Services.DisposeAsync();
}

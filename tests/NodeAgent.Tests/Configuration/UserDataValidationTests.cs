using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Configuration;

public sealed class UserDataValidationTests
{
    private static readonly IReadOnlyCollection<IRoleSectionReader> Roles = BuiltInRoles.Catalog().SectionReaders;

    private const string Web = """
        version: 1
        role: web
        cluster: demo
        aws:
          region: us-east-1
          bucket: my-bucket
        web:
          publish_key: "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
          apps:
            - name: shop
              repository: {type: git, url: "https://git.example.com/shop.git"}
        """;

    private const string Lb = """
        version: 1
        role: lb
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        lb:
          http_bind: 127.0.0.1:8080
          allowed_cidrs: [127.0.0.0/8]
          backends:
            - app: shop
        """;

    private const string Db = """
        version: 1
        role: db
        cluster: demo
        aws: {region: us-east-1, bucket: my-bucket}
        db:
          engine: postgresql
          postgresql: {data_dir: /var/lib/postgresql/15/main}
        """;

    public static TheoryData<string, string, string, string> InvalidCases() => new()
    {
        // name, document, path the error must name, text the message must contain
        { "missing role", Web.Replace("role: web\n", string.Empty), "role", "is required" },
        { "unknown role", Web.Replace("role: web", "role: wbe"), "role", "expected one of db, lb, web" },
        { "typo in top-level key", Web + "\nclustr: demo", "clustr", "did you mean 'cluster'" },
        { "unsupported version", Web.Replace("version: 1", "version: 2"), "version", "understands version 1" },
        { "missing version", Web.Replace("version: 1\n", string.Empty), "version", "is required" },
        { "cluster not a DNS label", Web.Replace("cluster: demo", "cluster: Demo_1"), "cluster", "lower-case name" },
        { "missing aws section", Web.Replace("aws:\n  region: us-east-1\n  bucket: my-bucket\n", string.Empty), "aws", "is required" },
        { "bad region", Web.Replace("region: us-east-1", "region: useast"), "aws.region", "AWS region" },
        { "bad bucket", Web.Replace("bucket: my-bucket", "bucket: B"), "aws.bucket", "S3 bucket name" },
        { "endpoint not a URL", Web.Replace("bucket: my-bucket", "bucket: my-bucket\n  s3: {endpoint: not-a-url}"), "aws.s3.endpoint", "absolute http or https URL" },
        { "credentials without secret", Web.Replace("bucket: my-bucket", "bucket: my-bucket\n  credentials: {access_key_id: AKIA}"), "aws.credentials.secret_access_key", "is required" },
        { "status listen without port", Web + "\nstatus: {listen: localhost}", "status.listen", "address:port" },
        { "registry ttl shorter than heartbeat", Web + "\nregistry: {heartbeat_interval: 60s, ttl: 30s}", "registry.ttl", "longer than heartbeat_interval" },
        { "long poll beyond 20 s", Web + "\nqueue: {wait_time: 30s}", "queue.wait_time", "between 0ms and 20s" },
        { "max receive count zero", Web + "\nqueue: {max_receive_count: 0}", "queue.max_receive_count", "between 1 and 1000" },
        { "app name with path traversal", Web.Replace("name: shop", "name: ../etc"), "web.apps[0].name", "lower-case name" },
        { "unknown repository type", Web.Replace("type: git", "type: cvs"), "web.apps[0].repository.type", "one of git, svn" },
        { "password in repository URL", Web.Replace("https://git.example.com", "https://bob:hunter2@git.example.com"), "web.apps[0].repository.url", "must not embed a password" },
        { "shared path escapes release", Web + "\n      shared: [../x]", "web.apps[0].shared[0]", "without '..'" },
        { "hook without command", Web + "\n      hooks: {build: {timeout: 5m}}", "web.apps[0].hooks.build.command", "is required" },
        { "app listed twice", Web + "\n    - name: shop\n      repository: {type: git, url: /srv/git/shop}", "web.apps", "listed 2 times" },
        { "keep fewer than two releases", Web.Replace("web:\n", "web:\n  keep_releases: 1\n"), "web.keep_releases", "between 2 and 100" },
        { "role section missing", Web[..Web.IndexOf("web:", StringComparison.Ordinal)], "web", "is required for role web" },
        { "section for another role", Web + "\nlb: {http_bind: 127.0.0.1:80, allowed_cidrs: [10.0.0.0/8], backends: [{app: shop}]}", "lb", "applies only to role lb" },
        { "dns provider without its settings", Web + "\ndns: {zone: example.internal, provider: rfc2136}", "dns.rfc2136", "is required when provider is rfc2136" },
        { "bad node address", Web + "\nnode: {address: 999.1.1.1}", "node.address", "IPv4 or IPv6 address" },
        { "relative state dir", Web + "\nnode: {state_dir: var/lib/nodeagent}", "node.state_dir", "absolute path" },
        { "health timeout longer than interval", Web.Replace("web:\n", "web:\n  health: {interval: 1s, timeout: 2s}\n"), "web.health.timeout", "must not exceed interval" },
        { "typo inside an app", Web + "\n      helth: {path: /}", "web.apps[0].helth", "unknown key" },
        { "apps is not a list", Web[..Web.IndexOf("  apps:", StringComparison.Ordinal)] + "  apps: shop\n", "web.apps", "expected a list" },
        { "duration that is not a duration", Web + "\nregistry: {heartbeat_interval: soon}", "registry.heartbeat_interval", "expected a duration" },
        { "db engine without its settings", Db.Replace("  postgresql: {data_dir: /var/lib/postgresql/15/main}", string.Empty), "db.postgresql", "is required when engine is postgresql" },
        { "bad CIDR", Lb.Replace("127.0.0.0/8", "127.0.0.0/99"), "lb.allowed_cidrs[0]", "CIDR block" },
        { "https without certificate", Lb.Replace("http_bind: 127.0.0.1:8080", "http_bind: 127.0.0.1:8080\n  https_bind: 127.0.0.1:8443"), "lb.certificate", "must be set together" },
        { "default backend not a backend", Lb.Replace("  backends:", "  default_backend: blog\n  backends:"), "lb.default_backend", "no entry under lb.backends" },
        { "secret from both file and env", Web.Replace("bucket: my-bucket", "bucket: my-bucket\n  credentials: {access_key_id: A, secret_access_key: {file: /run/s, env: S}}"), "aws.credentials.secret_access_key", "exactly one of 'file' or 'env'" },
        { "JSON with wrong type", """{"version": 1, "role": "web", "cluster": "demo", "aws": {"region": "us-east-1", "bucket": "my-bucket"}, "registry": {"heartbeat_interval": {"s": 1}}, "web": {"apps": [{"name": "shop", "repository": {"type": "git", "url": "/srv/git/shop"}}]}}""", "registry.heartbeat_interval", "expected a duration" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Read_WhenUserDataIsInvalid_NamesTheFieldAndWhatWasExpected(string name, string document, string path, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.True(
            ex.Errors.Any(e => e.Path == path && e.Message.Contains(fragment, StringComparison.Ordinal)),
            $"case '{name}': expected an error at '{path}' containing '{fragment}', got:{Environment.NewLine}{ex.Message}");
    }

    [Fact]
    public void Read_CollectsEveryErrorInOnePass()
    {
        var document = Web.Replace("cluster: demo", "cluster: UPPER").Replace("region: us-east-1", "region: x") + "\nqueue: {max_receive_count: 0}";

        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.Equal(["aws.region", "cluster", "queue.max_receive_count"], ex.Errors.Select(e => e.Path).Order().ToArray());
        Assert.Contains("3 errors", ex.Message);
    }

    [Theory]
    [InlineData("role: web\n  cluster: [demo", "YAML syntax error at line")]
    [InlineData("{\"version\": 1, \"role\": \"web\",}", "JSON syntax error at line 1")]
    [InlineData("version: 1\nversion: 1\n", "line 2: key 'version' appears twice")]
    [InlineData("- just\n- a list\n", "expected a mapping at the top level")]
    [InlineData("   \n", "document is empty")]
    public void Read_WhenDocumentIsNotAMapping_SaysWhereItBroke(string document, string fragment)
    {
        var ex = Assert.Throws<ConfigException>(() => AgentConfigReader.Read(document, "test", Roles));

        Assert.True(ex.Message.Contains(fragment, StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public void Read_AppliesDefaultsAndParsesDurationsAndSecrets()
    {
        var config = AgentConfigReader.Read(Web + "\nqueue: {visibility_timeout: 2m, signing_key: {env: DEPLOY_KEY}}", "test", Roles);

        Assert.Equal("web", config.Role);
        Assert.Equal(TimeSpan.FromMinutes(2), config.Queue.VisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), config.Queue.WaitTime);
        Assert.Equal("DEPLOY_KEY", config.Queue.SigningKey!.Environment);
        Assert.Equal("(secret from $DEPLOY_KEY)", config.Queue.SigningKey.ToString());
        Assert.Equal(5, config.Section<WebSection>().KeepReleases);
        Assert.Equal(RepositoryKind.Git, config.Section<WebSection>().Apps[0].Repository.Kind);
        Assert.Equal(StatusSection.DefaultListen, config.Status.Listen);
    }

    [Fact]
    public void Read_JsonAndYamlOfTheSameDocument_GiveTheSameConfig()
    {
        const string json = """
            {"version": 1, "role": "lb", "cluster": "demo", "aws": {"region": "us-east-1", "bucket": "my-bucket"},
             "lb": {"http_bind": "127.0.0.1:8080", "allowed_cidrs": ["127.0.0.0/8"], "backends": [{"app": "shop"}]}}
            """;

        var fromJson = AgentConfigReader.Read(json, "json", Roles);
        var fromYaml = AgentConfigReader.Read(Lb, "yaml", Roles);

        Assert.Equal(fromYaml.Section<LbSection>().HttpBind, fromJson.Section<LbSection>().HttpBind);
        Assert.Equal(fromYaml.Section<LbSection>().Backends[0].App, fromJson.Section<LbSection>().Backends[0].App);
        Assert.Equal(fromYaml.Aws.Bucket, fromJson.Aws.Bucket);
    }

    [Theory]
    [InlineData("web.yaml")]
    [InlineData("lb.yaml")]
    [InlineData("db.yaml")]
    public void Read_EveryShippedExample_IsValid(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Examples, file));

        var config = AgentConfigReader.Read(text, file, Roles);

        Assert.Equal(Path.GetFileNameWithoutExtension(file), config.Role);
    }
}

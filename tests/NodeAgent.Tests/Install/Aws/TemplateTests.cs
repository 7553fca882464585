using System.Text;
using NodeAgent.Configuration;
using NodeAgent.Roles;
using NodeAgent.Testing;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Tests.Install.Aws;

/// <summary>
/// The CloudFormation template, offline: it parses, every reference resolves, it creates what a cluster needs, the
/// launch templates' user-data is the examples' and validates, and the IAM policies are scoped to the cluster.
/// (Each role's policy against the calls the agents really make: <c>LifecycleEndToEndTests</c>.)
/// </summary>
public sealed class TemplateTests
{
    private static readonly NodeAgentTemplate Template = NodeAgentTemplate.Load();
    private static readonly NodeAgentTemplate.Values Values = Template.ValuesFor("shop-prod", "acme-nodeagent-shop-prod", "eu-west-1", "123456789012");

    private static Dictionary<string, object?> Resource(string name) => (Dictionary<string, object?>)Template.Resources[name]!;

    private static Dictionary<string, object?> Properties(string name) => (Dictionary<string, object?>)Resource(name)["Properties"]!;

    [Fact]
    public void EveryRefGetAttAndSubVariable_NamesAParameterAResourceOrAPseudoParameter()
    {
        var names = Template.Parameters.Keys.Concat(Template.Resources.Keys)
            .Concat(["AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::NoValue", "AWS::StackName"]).ToHashSet();
        var conditions = ((Dictionary<string, object?>)Template.Root["Conditions"]!).Keys.ToHashSet();
        var problems = new List<string>();
        Walk(Template.Root, "", (path, fn, arg, locals) =>
        {
            switch (fn)
            {
                case "Ref" when !names.Contains((string)arg!):
                    problems.Add($"{path}: Ref {arg}");
                    break;
                case "Fn::GetAtt" when !Template.Resources.ContainsKey((string)((List<object?>)arg!)[0]!):
                    problems.Add($"{path}: GetAtt {((List<object?>)arg!)[0]}");
                    break;
                case "Fn::If" when !conditions.Contains((string)((List<object?>)arg!)[0]!):
                    problems.Add($"{path}: If {((List<object?>)arg!)[0]}");
                    break;
                case "Fn::Sub":
                    var text = arg is List<object?> l ? (string)l[0]! : (string)arg!;
                    foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"\$\{([^!}][^}]*)\}"))
                    {
                        var v = m.Groups[1].Value;
                        if (!names.Contains(v.Split('.')[0]) && !locals.Contains(v))
                        {
                            problems.Add($"{path}: Sub ${{{v}}}");
                        }
                    }

                    break;
            }
        });
        foreach (var (name, resource) in Template.Resources)
        {
            if (((Dictionary<string, object?>)resource!).GetValueOrDefault("Condition") is string c && !conditions.Contains(c))
            {
                problems.Add($"{name}: Condition {c}");
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Template_CreatesEverythingAClusterNeeds()
    {
        var types = Template.Resources.ToDictionary(r => r.Key, r => (string)((Dictionary<string, object?>)r.Value!)["Type"]!);
        foreach (var (name, type) in new Dictionary<string, string>
        {
            ["Bucket"] = "AWS::S3::Bucket", ["BucketKey"] = "AWS::KMS::Key", ["HostedZone"] = "AWS::Route53::HostedZone",
            ["WebRole"] = "AWS::IAM::Role", ["LbRole"] = "AWS::IAM::Role", ["DbRole"] = "AWS::IAM::Role",
            ["WebInstanceProfile"] = "AWS::IAM::InstanceProfile", ["LbInstanceProfile"] = "AWS::IAM::InstanceProfile", ["DbInstanceProfile"] = "AWS::IAM::InstanceProfile",
            ["WebLaunchTemplate"] = "AWS::EC2::LaunchTemplate", ["LbLaunchTemplate"] = "AWS::EC2::LaunchTemplate", ["DbLaunchTemplate"] = "AWS::EC2::LaunchTemplate",
            ["WebGroup"] = "AWS::AutoScaling::AutoScalingGroup", ["LbGroup"] = "AWS::AutoScaling::AutoScalingGroup", ["DbGroup"] = "AWS::AutoScaling::AutoScalingGroup",
            ["DeployerPolicy"] = "AWS::IAM::ManagedPolicy",
        })
        {
            Assert.True(types.GetValueOrDefault(name) == type, $"{name} should be a {type}, is {types.GetValueOrDefault(name) ?? "missing"}");
        }

        var bucket = (Dictionary<string, object?>)Values.Resolve(Properties("Bucket"))!;
        Assert.Equal("Enabled", ((Dictionary<string, object?>)bucket["VersioningConfiguration"]!)["Status"]);
        Assert.NotNull(bucket["BucketEncryption"]);
        var rules = (List<object?>)((Dictionary<string, object?>)bucket["LifecycleConfiguration"]!)["Rules"]!;
        Assert.Contains(rules.Cast<Dictionary<string, object?>>(), r => (string?)r.GetValueOrDefault("Prefix") == "shop-prod/backups/" && r.ContainsKey("NoncurrentVersionExpiration"));
        Assert.Equal(["true", "true", "true", "true"], ((Dictionary<string, object?>)bucket["PublicAccessBlockConfiguration"]!).Values.Cast<string>());

        Assert.Equal("2", Properties("LbGroup")["DesiredCapacity"]);
        Assert.Equal("CreateZone", Resource("HostedZone")["Condition"]);
        Assert.Equal("CreateKms", Resource("BucketKey")["Condition"]);
    }

    [Theory]
    [InlineData("WebGroup")]
    [InlineData("LbGroup")]
    [InlineData("DbGroup")]
    public void EveryGroup_HasALaunchHookThatAbandonsByDefault_AndATerminationHook_NamedInTheTagsTheAgentReads(string group)
    {
        var properties = (Dictionary<string, object?>)Values.Resolve(Properties(group))!;
        var hooks = ((List<object?>)properties["LifecycleHookSpecificationList"]!).Cast<Dictionary<string, object?>>().ToList();
        var tags = ((List<object?>)properties["Tags"]!).Cast<Dictionary<string, object?>>().ToDictionary(t => (string)t["Key"]!, t => (string)t["Value"]!);

        var launch = Assert.Single(hooks, h => (string)h["LifecycleTransition"]! == "autoscaling:EC2_INSTANCE_LAUNCHING");
        var terminate = Assert.Single(hooks, h => (string)h["LifecycleTransition"]! == "autoscaling:EC2_INSTANCE_TERMINATING");
        Assert.Equal("ABANDON", launch["DefaultResult"]);
        Assert.Equal("CONTINUE", terminate["DefaultResult"]);
        Assert.Equal(launch["LifecycleHookName"], tags[NodeAgent.Instance.LifecycleHooks.LaunchHookTag]);
        Assert.Equal(terminate["LifecycleHookName"], tags[NodeAgent.Instance.LifecycleHooks.TerminationHookTag]);
        Assert.Equal($"shop-prod-{group[..^"Group".Length].ToLowerInvariant()}", properties["AutoScalingGroupName"]);
        Assert.All(((List<object?>)properties["Tags"]!).Cast<Dictionary<string, object?>>(), t => Assert.Equal("true", t["PropagateAtLaunch"]));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("lb")]
    [InlineData("db")]
    public void EachLaunchTemplate_RequiresImdsV2WithTags_AndItsUserDataIsTheExample_WithTheStacksNames_AndValid(string role)
    {
        var data = (Dictionary<string, object?>)((Dictionary<string, object?>)Values.Resolve(Properties($"{char.ToUpperInvariant(role[0])}{role[1..]}LaunchTemplate"))!)["LaunchTemplateData"]!;
        var metadata = (Dictionary<string, object?>)data["MetadataOptions"]!;
        Assert.Equal(("required", "enabled"), ((string)metadata["HttpTokens"]!, (string)metadata["InstanceMetadataTags"]!));
        var userData = (string)data["UserData"]!;

        var text = NodeAgent.Bootstrap.UserDataDecoder.Decode(Encoding.UTF8.GetBytes(userData));
        var config = AgentConfigReader.Read(text, $"{role} launch template", BuiltInRoles.Catalog().SectionReaders);

        Assert.Equal((role, "shop-prod", "acme-nodeagent-shop-prod", "eu-west-1"), (config.Role, config.Cluster, config.Aws.Bucket, config.Aws.Region));
        Assert.Equal(TimeSpan.FromSeconds(120), config.Lifecycle.HeartbeatTimeout);
        Assert.Null(config.Lifecycle.Group);
        var example = Keys(File.ReadAllText(Path.Combine(RepoPaths.Examples, $"{role}.yaml")));
        var rendered = Keys(text);
        Assert.Equal(example.Top, rendered.Top);
        Assert.Subset(example.Role.ToHashSet(), rendered.Role.ToHashSet());
    }

    [Fact]
    public void TheHooksHeartbeatTimeout_IsTheOneTheUserDataGivesTheAgent()
    {
        var properties = (Dictionary<string, object?>)Values.Resolve(Properties("WebGroup"))!;
        var timeouts = ((List<object?>)properties["LifecycleHookSpecificationList"]!).Cast<Dictionary<string, object?>>().Select(h => (string)h["HeartbeatTimeout"]!).Distinct();

        Assert.Equal([Values.Get("LifecycleHeartbeatSeconds")], timeouts);
    }

    [Theory]
    [InlineData("web")]
    [InlineData("lb")]
    [InlineData("db")]
    [InlineData("deployer")]
    public void EveryGrant_NamesItsActions_AndIsScopedToTheCluster(string principal)
    {
        foreach (var statement in Template.StatementsOf(principal, Values))
        {
            Assert.All(statement.Actions, a => Assert.DoesNotContain("*", a));
            Assert.All(statement.Resources, r =>
            {
                Assert.NotEqual("*", r);
                Assert.True(r.Contains("shop-prod", StringComparison.Ordinal) || r.Contains(":hostedzone/", StringComparison.Ordinal) || r.Contains(":key/", StringComparison.Ordinal),
                    $"{principal} {statement.Sid}: {r} is not scoped to the cluster");
            });
            Assert.All(statement.Prefixes ?? [], p => Assert.StartsWith("shop-prod/", p));
        }
    }

    [Theory]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/apps/shop/desired.json", null)]
    [InlineData("s3:DeleteObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/apps/shop/desired.json", null)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/deployments/7.json", null)]
    [InlineData("s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/backups/postgresql/db-1/base/1/manifest.json", null)]
    [InlineData("s3:ListBucket", "arn:aws:s3:::acme-nodeagent-shop-prod", "shop-prod/backups/")]
    [InlineData("s3:ListBucket", "arn:aws:s3:::acme-nodeagent-shop-prod", "")]
    [InlineData("s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/other-cluster/nodes/web/web-1.json", null)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/nodes/lb/lb-1.json", null)]
    [InlineData("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:nodeagent-other-web-1", null)]
    [InlineData("autoscaling:CompleteLifecycleAction", "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:x:autoScalingGroupName/shop-prod-db", null)]
    public void AWebNode_CannotWriteTheDesiredState_ReadBackups_OrTouchAnotherClusterOrRole(string action, string resource, string? prefix)
    {
        var request = new IamRequest(action, resource, prefix);

        Assert.DoesNotContain(Template.StatementsOf("web", Values), s => s.Allow && s.Matches(request));
    }

    [Theory]
    [InlineData("web", "s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/apps/shop/desired.json", null)]
    [InlineData("web", "s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/deployments/7/web-1.json", null)]
    [InlineData("deployer", "s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/apps/shop/desired.json", null)]
    [InlineData("db", "s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/backups/postgresql/db-1/base/1/manifest.json", null)]
    [InlineData("db", "s3:ListBucket", "arn:aws:s3:::acme-nodeagent-shop-prod", "shop-prod/backups/postgresql/db-1/")]
    public void TheOwnersOfTheDesiredStateAndTheBackups_CanUseThem(string principal, string action, string resource, string? prefix)
        => Assert.Contains(Template.StatementsOf(principal, Values), s => s.Allow && s.Matches(new IamRequest(action, resource, prefix)));

    [Fact]
    public void WithKms_EveryRoleMayUseTheBucketKey_OnlyThroughS3()
    {
        var withKms = Template.ValuesFor("shop-prod", "b", "eu-west-1", "123456789012", new Dictionary<string, string> { ["UseKms"] = "true" });
        foreach (var principal in new[] { "web", "lb", "db" })
        {
            var kms = Assert.Single(Template.StatementsOf(principal, withKms), s => s.Sid == "BucketKeyThroughS3");
            Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], kms.Actions);
            Assert.True(kms.OtherConditions, "kms:ViaService must restrict the key to S3");
            Assert.DoesNotContain(Template.StatementsOf(principal, Values), s => s.Sid == "BucketKeyThroughS3");
        }
    }

    [Fact]
    public void WithABackupKey_OnlyTheDbRoleMayUseIt_AndOnlyWithTheBackupContext()
    {
        const string key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var withKey = Template.ValuesFor("shop-prod", "b", "eu-west-1", "123456789012", new Dictionary<string, string> { ["BackupEncryptionKeyArn"] = key });
        var statement = Assert.Single(Template.StatementsOf("db", withKey), s => s.Sid == "BackupKey");
        Assert.Equal(["kms:GenerateDataKey", "kms:Decrypt"], statement.Actions);
        Assert.Equal([key], statement.Resources);
        Assert.True(statement.OtherConditions, "the encryption context nodeagent=backup must restrict the key");
        Assert.DoesNotContain(Template.StatementsOf("web", withKey), s => s.Sid == "BackupKey");
        Assert.DoesNotContain(Template.StatementsOf("lb", withKey), s => s.Sid == "BackupKey");
        Assert.DoesNotContain(Template.StatementsOf("db", Values), s => s.Sid == "BackupKey");
    }

    [Theory]
    [InlineData("s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/nodes/db/db-2.json", null, true)]
    [InlineData("s3:ListBucket", "arn:aws:s3:::acme-nodeagent-shop-prod", "shop-prod/nodes/db/", true)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/db/switchovers/r1/target.json", null, true)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/replication/mariadb/primary.json", null, true)]
    [InlineData("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:nodeagent-shop-prod-db-2", null, true)]
    [InlineData("s3:GetObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/nodes/web/web-1.json", null, false)]
    [InlineData("s3:ListBucket", "arn:aws:s3:::acme-nodeagent-shop-prod", "shop-prod/nodes/", false)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/shop-prod/apps/shop/desired.json", null, false)]
    [InlineData("s3:PutObject", "arn:aws:s3:::acme-nodeagent-shop-prod/other/db/switchovers/r1/target.json", null, false)]
    [InlineData("sqs:SendMessage", "arn:aws:sqs:eu-west-1:123456789012:nodeagent-other-db-2", null, false)]
    public void ADbNode_ReachesItsReplicationPeersAndRecords_AndNothingElse(string action, string resource, string? prefix, bool allowed)
        => Assert.Equal(allowed, Template.StatementsOf("db", Values).Any(s => s.Allow && s.Matches(new IamRequest(action, resource, prefix))));

    [Fact]
    public void CfnLint_FindsNothing_WhenItIsInstalled()
    {
        // cfn-lint carries the CloudFormation resource specification offline. It is on the development machines but not
        // in Debian 12, so CI may lack it: then this says so in the output instead of checking (the checks above still run).
        var lint = new[] { "/usr/local/bin/cfn-lint", "/root/.pyenv/shims/cfn-lint", "/usr/bin/cfn-lint" }.FirstOrDefault(File.Exists);
        if (lint is null)
        {
            Console.WriteLine("cfn-lint is not installed; skipped the CloudFormation specification check");
            return;
        }

        var output = ProgramRunner.Run(RepoPaths.Root, lint, [NodeAgentTemplate.DefaultPath], TimeSpan.FromMinutes(2));
        Assert.True(output.Trim().Length == 0, output);
    }

    private static (List<string> Top, List<string> Role) Keys(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var top = root.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal).ToList();
        var role = ((YamlScalarNode)root.Children[new YamlScalarNode("role")]).Value!;
        var section = (YamlMappingNode)root.Children[new YamlScalarNode(role)];
        return (top, section.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal).ToList());
    }

    private static void Walk(object? node, string path, Action<string, string, object?, HashSet<string>> visit, HashSet<string>? locals = null)
    {
        locals ??= [];
        switch (node)
        {
            case Dictionary<string, object?> map:
                foreach (var (key, value) in map)
                {
                    var scoped = locals;
                    if (key == "Fn::Sub" && value is List<object?> { Count: 2 } l && l[1] is Dictionary<string, object?> vars)
                    {
                        scoped = [.. locals, .. vars.Keys];
                    }

                    if (key is "Ref" or "Fn::GetAtt" or "Fn::If" or "Fn::Sub")
                    {
                        visit(path, key, value, scoped);
                    }

                    Walk(value, $"{path}/{key}", visit, scoped);
                }

                break;
            case List<object?> list:
                for (var i = 0; i < list.Count; i++)
                {
                    Walk(list[i], $"{path}[{i}]", visit, locals);
                }

                break;
        }
    }
}

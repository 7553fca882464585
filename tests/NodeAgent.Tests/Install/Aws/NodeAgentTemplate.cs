using System.Text;
using System.Text.RegularExpressions;
using NodeAgent.Testing;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Tests.Install.Aws;

/// <summary>
/// <c>install/aws/nodeagent.yaml</c> read as data: parameters, conditions and resources, with the intrinsic functions
/// the template uses (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Equals, Fn::Not, Fn::Base64, AWS::NoValue) resolved
/// against a set of values, and each principal's IAM statements (web, lb, db: the instance roles; deployer: the
/// managed policy for whoever publishes deploys).
/// </summary>
public sealed partial class NodeAgentTemplate
{
    public static string DefaultPath => Path.Combine(RepoPaths.Root, "install", "aws", "nodeagent.yaml");

    private NodeAgentTemplate(Dictionary<string, object?> root)
    {
        Root = root;
    }

    public Dictionary<string, object?> Root { get; }

    public Dictionary<string, object?> Resources => (Dictionary<string, object?>)Root["Resources"]!;

    public Dictionary<string, object?> Parameters => (Dictionary<string, object?>)Root["Parameters"]!;

    public static NodeAgentTemplate Load(string? path = null)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path ?? DefaultPath);
        stream.Load(reader);
        return new NodeAgentTemplate((Dictionary<string, object?>)Convert(stream.Documents.Single().RootNode)!);
    }

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Convert(kv.Value), StringComparer.Ordinal),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    /// <summary>Who a recorded call came from → the template's role (or managed policy) whose statements apply.</summary>
    public static readonly IReadOnlyDictionary<string, string> PrincipalResources = new Dictionary<string, string>
    {
        ["web"] = "WebRole", ["lb"] = "LbRole", ["db"] = "DbRole", ["deployer"] = "DeployerPolicy",
    };

    /// <summary>Values for a resolution: the parameters given, defaults for the rest, and the pseudo parameters.</summary>
    public Values ValuesFor(string cluster, string bucket, string region, string account, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS::Region"] = region, ["AWS::AccountId"] = account, ["AWS::Partition"] = "aws", ["AWS::StackName"] = "test",
            ["ClusterName"] = cluster, ["Bucket"] = bucket, ["HostedZone"] = "ZTESTZONE",
            ["ImageId"] = "ami-0123456789abcdef0", ["VpcId"] = "vpc-0123456789abcdef0", ["SubnetIds"] = "subnet-a,subnet-b",
            ["AppRepositoryUrl"] = "https://git.acme.example/shop.git", ["DeploySigningKey"] = new string('k', 40), ["PublishKey"] = TestKeys.PublicKey,
        };
        foreach (var (name, definition) in Parameters)
        {
            if (!values.ContainsKey(name) && definition is Dictionary<string, object?> d && d.TryGetValue("Default", out var def) && def is string s)
            {
                values[name] = s;
            }
        }

        foreach (var (name, value) in parameters ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        return new Values(values, this);
    }

    /// <summary>The Allow/Deny statements that apply to <paramref name="principal"/> (its role's inline policies and
    /// every AWS::IAM::Policy naming the role whose condition holds).</summary>
    public IReadOnlyList<PolicyStatement> StatementsOf(string principal, Values values)
    {
        var logical = PrincipalResources[principal];
        var documents = new List<object?>();
        var resource = (Dictionary<string, object?>)Resources[logical]!;
        var properties = (Dictionary<string, object?>)resource["Properties"]!;
        if ((string)resource["Type"]! == "AWS::IAM::Role")
        {
            documents.AddRange(((List<object?>)properties["Policies"]!).Select(p => ((Dictionary<string, object?>)p!)["PolicyDocument"]));
            foreach (var (_, other) in Resources)
            {
                var r = (Dictionary<string, object?>)other!;
                if ((string)r["Type"]! == "AWS::IAM::Policy" && values.ConditionHolds(r.GetValueOrDefault("Condition") as string)
                    && ((List<object?>)((Dictionary<string, object?>)r["Properties"]!)["Roles"]!).Any(x => x is Dictionary<string, object?> d && d.GetValueOrDefault("Ref") as string == logical))
                {
                    documents.Add(((Dictionary<string, object?>)r["Properties"]!)["PolicyDocument"]);
                }
            }
        }
        else
        {
            documents.Add(properties["PolicyDocument"]);
        }

        return documents.SelectMany(doc => (List<object?>)((Dictionary<string, object?>)doc!)["Statement"]!)
            .Select(s => PolicyStatement.From((Dictionary<string, object?>)s!, values))
            .ToList();
    }

    /// <summary>The (principal, statement, action, reason) entries of <c>NodeAgent::GrantsNotExercised</c>.</summary>
    public IReadOnlyList<(string Principal, string Statement, string Action, string Reason, bool Sometimes)> GrantsNotExercised
        => ((List<object?>)((Dictionary<string, object?>)Root["Metadata"]!)["NodeAgent::GrantsNotExercised"]!)
            .Select(e => (Dictionary<string, object?>)e!)
            .Select(e => ((string)e["Principal"]!, (string)e["Statement"]!, (string)e["Action"]!, (string)e["Reason"]!, e.GetValueOrDefault("Sometimes") is "true"))
            .ToList();

    /// <summary>Holds the record of an end-to-end run against the policies (see <see cref="PolicyCheck"/>).</summary>
    public PolicyCheck Check(IReadOnlyList<RecordedAwsCall> record, string cluster, string bucket, string region, string account)
    {
        var values = ValuesFor(cluster, bucket, region, account);
        var check = new PolicyCheck();
        foreach (var principal in PrincipalResources.Keys)
        {
            var statements = StatementsOf(principal, values);
            var calls = record.Where(c => c.Principal == principal).ToList();
            var used = new HashSet<(int Statement, string Action)>();
            foreach (var group in calls.GroupBy(c => c))
            {
                var request = IamRequest.From(group.Key, account);
                var allowing = statements.Select((s, i) => (s, i)).Where(x => x.s.Allow && x.s.Matches(request)).ToList();
                var denied = statements.Any(s => !s.Allow && s.Matches(request));
                if (allowing.Count == 0 || denied)
                {
                    check.Denied.Add($"{group.Key} -> {request}");
                    continue;
                }

                foreach (var (_, i) in allowing)
                {
                    used.Add((i, request.Action.ToLowerInvariant()));
                }

                check.Allowed.Add((principal, request.Action, group.Count()));
            }

            var listed = GrantsNotExercised.Where(g => g.Principal == principal).Select(g => (g.Statement, Action: g.Action.ToLowerInvariant())).ToHashSet();
            var sometimes = GrantsNotExercised.Where(g => g.Principal == principal && g.Sometimes).Select(g => (g.Statement, Action: g.Action.ToLowerInvariant())).ToHashSet();
            for (var i = 0; i < statements.Count; i++)
            {
                foreach (var action in statements[i].Actions.Where(_ => statements[i].Allow))
                {
                    var key = action.ToLowerInvariant();
                    var isListed = listed.Contains((statements[i].Sid, key));
                    if (!used.Contains((i, key)) && !isListed)
                    {
                        check.UnexplainedGrants.Add($"{principal}: {action} in statement {statements[i].Sid} ({string.Join(", ", statements[i].Resources)})");
                    }
                    else if (used.Contains((i, key)) && isListed && !sometimes.Contains((statements[i].Sid, key)))
                    {
                        check.StaleExplanations.Add($"{principal}: {action} in statement {statements[i].Sid}");
                    }
                }
            }

            foreach (var (sid, action) in listed.Where(l => !statements.Any(s => s.Sid == l.Statement && s.Actions.Any(a => a.Equals(l.Action, StringComparison.OrdinalIgnoreCase)))))
            {
                check.StaleExplanations.Add($"{principal}: {action} in statement {sid}, which does not grant it");
            }
        }

        return check;
    }

    /// <summary>Parameter, pseudo parameter and resource values, and the template's conditions evaluated with them.</summary>
    public sealed class Values(Dictionary<string, string> values, NodeAgentTemplate template)
    {
        public string Get(string name) => values.TryGetValue(name, out var v) ? v
            : template.Resources.ContainsKey(name) ? name
            : throw new InvalidOperationException($"no value for {name}");

        public bool ConditionHolds(string? condition)
        {
            if (condition is null)
            {
                return true;
            }

            var conditions = (Dictionary<string, object?>)template.Root["Conditions"]!;
            return Resolve(conditions[condition]) is "true";
        }

        /// <summary>Resolves intrinsic functions; <c>AWS::NoValue</c> becomes null, conditions "true"/"false".</summary>
        public object? Resolve(object? node)
        {
            switch (node)
            {
                case Dictionary<string, object?> map when map.Count == 1:
                    var (fn, arg) = map.First();
                    switch (fn)
                    {
                        case "Ref":
                            return (string)arg! == "AWS::NoValue" ? null : Get((string)arg!);
                        case "Fn::Sub":
                            return Sub(arg);
                        case "Fn::GetAtt":
                            var parts = (List<object?>)arg!;
                            return parts[0] is "BucketKey" ? $"arn:aws:kms:{Get("AWS::Region")}:{Get("AWS::AccountId")}:key/test-key" : $"{parts[0]}.{parts[1]}";
                        case "Fn::If":
                            var branches = (List<object?>)arg!;
                            return Resolve(ConditionHolds((string)branches[0]!) ? branches[1] : branches[2]);
                        case "Fn::Equals":
                            var pair = ((List<object?>)arg!).Select(Resolve).ToList();
                            return Equals(pair[0], pair[1]) ? "true" : "false";
                        case "Fn::Not":
                            return Resolve(((List<object?>)arg!)[0]) is "true" ? "false" : "true";
                        case "Fn::Base64":
                            return Resolve(arg);
                        case "Condition":
                            return ConditionHolds((string)arg!) ? "true" : "false";
                    }

                    return map.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value));
                case Dictionary<string, object?> map:
                    return map.ToDictionary(kv => kv.Key, kv => Resolve(kv.Value));
                case List<object?> list:
                    return list.Select(Resolve).Where(x => x is not null).ToList();
                default:
                    return node;
            }
        }

        private string Sub(object? arg)
        {
            var (text, extra) = arg is List<object?> l
                ? ((string)l[0]!, ((Dictionary<string, object?>)l[1]!).ToDictionary(kv => kv.Key, kv => (string)Resolve(kv.Value)!))
                : ((string)arg!, new Dictionary<string, string>());
            return Variable().Replace(text, m => m.Groups[1].Value.StartsWith('!') ? "${" + m.Groups[1].Value[1..] + "}"
                : extra.TryGetValue(m.Groups[1].Value, out var v) ? v : Get(m.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"\$\{([!A-Za-z0-9:._]+)\}")]
    private static partial Regex Variable();
}

using System.Text.RegularExpressions;

namespace NodeAgent.Tests.Install.Aws;

/// <summary>
/// One IAM statement, resolved: effect, actions, resources and the one condition the policies use
/// (<c>StringLike</c>/<c>StringEquals</c> on <c>s3:prefix</c>). A statement with any other condition key matches
/// nothing here (conservative: the evaluator never grants more than IAM would).
/// </summary>
public sealed record PolicyStatement(string Sid, bool Allow, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources, IReadOnlyList<string>? Prefixes, bool OtherConditions)
{
    public static PolicyStatement From(Dictionary<string, object?> statement, NodeAgentTemplate.Values values)
    {
        var resolved = (Dictionary<string, object?>)values.Resolve(statement)!;
        IReadOnlyList<string>? prefixes = null;
        var other = false;
        if (resolved.GetValueOrDefault("Condition") is Dictionary<string, object?> condition)
        {
            foreach (var (op, keys) in condition)
            {
                foreach (var (key, value) in (Dictionary<string, object?>)keys!)
                {
                    if (key == "s3:prefix" && op is "StringLike" or "StringEquals")
                    {
                        prefixes = Strings(value).Select(p => op == "StringEquals" ? Regex.Escape(p) : p).ToList();
                    }
                    else
                    {
                        other = true;
                    }
                }
            }
        }

        return new PolicyStatement((string?)resolved.GetValueOrDefault("Sid") ?? "(no sid)", (string)resolved["Effect"]! == "Allow",
            Strings(resolved["Action"]), Strings(resolved["Resource"]), prefixes, other);
    }

    private static IReadOnlyList<string> Strings(object? value) => value switch
    {
        string s => [s],
        List<object?> l => l.Cast<string>().ToList(),
        _ => [],
    };

    public bool Matches(IamRequest request)
    {
        if (OtherConditions || !Actions.Any(a => Wildcard(a, request.Action, ignoreCase: true)) || !Resources.Any(r => Wildcard(r, request.Resource, ignoreCase: false)))
        {
            return false;
        }

        // A listing is allowed only with a prefix the condition allows; a statement without one allows any prefix.
        return Prefixes is null || (request.Prefix is { } prefix && Prefixes.Any(p => Wildcard(p, prefix, ignoreCase: false)));
    }

    public static bool Wildcard(string pattern, string value, bool ignoreCase)
        => Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
}

namespace NodeAgent.Tests.Install.Aws;

/// <summary>The outcome of holding a call record against the template's policies.</summary>
public sealed class PolicyCheck
{
    /// <summary>Calls no statement allows (or one denies).</summary>
    public List<string> Denied { get; } = [];

    /// <summary>Actions granted that no recorded call used and that <c>NodeAgent::GrantsNotExercised</c> does not explain.</summary>
    public List<string> UnexplainedGrants { get; } = [];

    /// <summary>Actions listed as not exercised that the record used after all.</summary>
    public List<string> StaleExplanations { get; } = [];

    public List<(string Principal, string Action, int Calls)> Allowed { get; } = [];

    public IEnumerable<string> Report()
        => Allowed.GroupBy(a => (a.Principal, a.Action)).OrderBy(g => g.Key.Principal).ThenBy(g => g.Key.Action)
            .Select(g => $"  {g.Key.Principal,-8} {g.Key.Action,-40} {g.Sum(x => x.Calls),6} call(s) allowed");
}

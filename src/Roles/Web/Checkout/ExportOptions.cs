using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>What a checkout needs to know beyond the revision: the app's shared paths (left out: the shared links
/// replace them) and the release a delta may be built from (null: write everything).</summary>
public sealed record ExportOptions(IReadOnlyList<string> Shared, ReleaseBase? Base)
{
    public static ExportOptions Full { get; } = new([], null);
}

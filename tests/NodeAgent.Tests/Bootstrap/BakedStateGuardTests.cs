using Microsoft.Extensions.Logging.Abstractions;
using NodeAgent.Bootstrap;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Bootstrap;

public sealed class BakedStateGuardTests
{
    private readonly BakedStateGuard _guard = new(NullLogger<BakedStateGuard>.Instance);

    [Fact]
    public void Apply_OnFirstBoot_RecordsTheInstanceId()
    {
        using var dir = new TempDir();
        var state = dir.Combine("state");

        var outcome = _guard.Apply(state, "i-aaa");

        Assert.Equal(BakedStateOutcome.Fresh, outcome);
        Assert.Equal("i-aaa", File.ReadAllText(Path.Combine(state, "instance-id")).Trim());
    }

    [Fact]
    public void Apply_OnTheSameInstance_KeepsState()
    {
        using var dir = new TempDir();
        _guard.Apply(dir.Path, "i-aaa");
        File.WriteAllText(dir.Combine("deploy-state.json"), "{}");

        var outcome = _guard.Apply(dir.Path, "i-aaa");

        Assert.Equal(BakedStateOutcome.Same, outcome);
        Assert.True(File.Exists(dir.Combine("deploy-state.json")));
    }

    [Fact]
    public void Apply_WhenTheInstanceIdChanged_WipesStateButNotWhatSymlinksPointAt()
    {
        using var dir = new TempDir();
        using var outside = new TempDir();
        var state = dir.Combine("state");
        _guard.Apply(state, "i-baked-from");
        File.WriteAllText(Path.Combine(state, "deploy-state.json"), "{\"sequence\": 7}");
        Directory.CreateDirectory(Path.Combine(state, "locks", "shop"));
        File.WriteAllText(Path.Combine(state, "locks", "shop", "lock.json"), "{}");
        File.WriteAllText(outside.Combine("keep.txt"), "precious");
        Directory.CreateSymbolicLink(Path.Combine(state, "link-out"), outside.Path);

        var outcome = _guard.Apply(state, "i-new");

        Assert.Equal(BakedStateOutcome.Wiped, outcome);
        Assert.Equal(["instance-id"], Directory.EnumerateFileSystemEntries(state).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.Equal("i-new", File.ReadAllText(Path.Combine(state, "instance-id")).Trim());
        Assert.Equal("precious", File.ReadAllText(outside.Combine("keep.txt")));
    }
}

using NodeAgent.Configuration;
using NodeAgent.Roles.Web.Checkout;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Releases;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>The releases layout on a real file system: ids, the atomic switch, crash leftovers, retention.</summary>
public sealed class ReleaseLayoutTests
{
    private static ReleaseId Make(ReleaseLayout layout, long sequence, string content, DateTimeOffset? at = null)
    {
        var id = ReleaseId.Create(at ?? DateTimeOffset.UtcNow.AddSeconds(sequence), sequence, $"{sequence:x12}");
        var dir = layout.Begin(id);
        File.WriteAllText(Path.Combine(dir, "index.html"), content);
        layout.Complete(id);
        return id;
    }

    [Fact]
    public void Switch_ReplacesCurrentWithRename_LeavingNoTempLinks()
    {
        using var dir = new TempDir();
        var layout = new ReleaseLayout(dir.Path, "shop");
        var a = Make(layout, 1, "a");
        var b = Make(layout, 2, "b");

        layout.Switch(a);
        layout.Switch(b);

        Assert.Equal(b, layout.Current());
        Assert.Equal(Path.Combine("releases", b.Value), new FileInfo(layout.CurrentLink).LinkTarget);
        Assert.Equal("b", File.ReadAllText(Path.Combine(layout.CurrentLink, "index.html")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(layout.AppDir, ".current.tmp-*"));
    }

    [Fact]
    public void Switch_ToAPartialRelease_IsRefused()
    {
        using var dir = new TempDir();
        var layout = new ReleaseLayout(dir.Path, "shop");
        var id = ReleaseId.Create(DateTimeOffset.UtcNow, 1, "0123456789ab");
        layout.Begin(id);

        var error = Assert.Throws<InvalidOperationException>(() => layout.Switch(id));

        Assert.Contains("not a complete release", error.Message);
        Assert.Empty(layout.List());
    }

    [Fact]
    public void Cleanup_AfterACrash_RemovesHalfMadeReleasesAndTempLinks_AndKeepsCurrent()
    {
        using var dir = new TempDir();
        var layout = new ReleaseLayout(dir.Path, "shop");
        var good = Make(layout, 1, "good");
        layout.Switch(good);
        var half = ReleaseId.Create(DateTimeOffset.UtcNow.AddMinutes(1), 2, "0123456789ab");
        File.WriteAllText(Path.Combine(layout.Begin(half), "index.html"), "half");
        File.CreateSymbolicLink(Path.Combine(layout.AppDir, ReleaseLayout.TempLinkPrefix + "deadbeef"), "releases/" + half.Value);
        Directory.CreateDirectory(Path.Combine(layout.ReleasesDir, ReleaseLayout.DeletingPrefix + "old-1234"));

        var removed = ReleaseCleanup.Run(layout);

        Assert.Equal(4, removed.Count);
        Assert.Equal([good], layout.List());
        Assert.Equal(good, layout.Current());
        Assert.Equal(["current", "releases"], Directory.EnumerateFileSystemEntries(layout.AppDir).Select(Path.GetFileName).Order());
        Assert.Equal([good.Value], Directory.EnumerateFileSystemEntries(layout.ReleasesDir).Select(Path.GetFileName));
    }

    [Fact]
    public void Retention_NeverRemovesCurrentOrPrevious_EvenWhenTheyAreOld()
    {
        using var dir = new TempDir();
        var layout = new ReleaseLayout(dir.Path, "shop");
        var ids = Enumerable.Range(1, 6).Select(i => Make(layout, i, $"v{i}")).ToList();
        layout.Switch(ids[0]);

        var removed = ReleaseRetention.Apply(layout, keep: 2, previous: ids[1].Value);

        Assert.Equal([ids[2], ids[3]], removed);
        Assert.Equal([ids[0], ids[1], ids[4], ids[5]], layout.List());
    }

    [Fact]
    public void Delete_DoesNotFollowSharedLinksOutOfTheRelease()
    {
        using var dir = new TempDir();
        var layout = new ReleaseLayout(dir.Path, "shop");
        var id = Make(layout, 1, "v1");
        SharedLinks.Apply(layout, layout.ReleaseDir(id.Value), ["uploads"]);
        File.WriteAllText(Path.Combine(layout.SharedDir, "uploads", "photo.jpg"), "keep me");

        layout.Delete(id);

        Assert.Empty(layout.List());
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(layout.SharedDir, "uploads", "photo.jpg")));
    }

    [Theory]
    [InlineData("20261125T120000123-42-3f9a1c2b7d4e", true)]
    [InlineData("20261125T120000123-43-r1234", true)]
    [InlineData("../20261125T120000123-42-3f9a1c2b7d4e", false)]
    [InlineData("20261125T120000123-42-3f9a1c2b7d4e.partial", false)]
    [InlineData(".current.tmp-abc", false)]
    [InlineData("20261125T120000123-42-main", false)]
    public void ReleaseId_ParsesOnlyWellFormedIds(string value, bool valid)
        => Assert.Equal(valid, ReleaseId.Parse(value) is not null);

    [Theory]
    [InlineData(RepositoryKind.Git, "main", null)]
    [InlineData(RepositoryKind.Git, "release/2026-11", null)]
    [InlineData(RepositoryKind.Git, "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345", null)]
    [InlineData(RepositoryKind.Git, "../../etc/passwd", "'..'")]
    [InlineData(RepositoryKind.Git, "/etc/passwd", "start with '/'")]
    [InlineData(RepositoryKind.Git, "-c core.sshCommand=x", "letters, digits")]
    [InlineData(RepositoryKind.Git, "--upload-pack", "start with '/' or '-'")]
    [InlineData(RepositoryKind.Git, "main@{1}", "letters, digits")]
    [InlineData(RepositoryKind.Git, "refs/heads/.hidden", "starting with '.'")]
    [InlineData(RepositoryKind.Svn, "HEAD", null)]
    [InlineData(RepositoryKind.Svn, "1234", null)]
    [InlineData(RepositoryKind.Svn, "main", "HEAD or a revision number")]
    [InlineData(RepositoryKind.Svn, "{2026-01-01}", "HEAD or a revision number")]
    public void RevisionSyntax_AcceptsRefsAndCommits_AndRefusesPathsAndOptions(RepositoryKind kind, string revision, string? error)
    {
        var result = RevisionSyntax.Check(kind, revision);

        if (error is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(error, result);
        }
    }

    [Theory]
    [InlineData("{\"app\":\"shop\",\"sequence\":3}", null)]
    [InlineData("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"main\"}", null)]
    [InlineData("{\"app\":\"shop\",\"app\":\"blog\",\"sequence\":3}", "twice")]
    [InlineData("{\"app\":\"shop\",\"sequence\":3.5}", "whole number")]
    [InlineData("{\"app\":\"shop\",\"sequence\":3,\"revision\":7}", "must be a string")]
    [InlineData("{\"app\":\"shop\",\"sequence\":3,\"revision\":\"a\\nb\"}", "printable")]
    [InlineData("null", "not a JSON object")]
    public void DeployMessage_SchemaIsStrict(string body, string? error)
    {
        var (message, reason) = DeployMessage.Parse(body);

        if (error is null)
        {
            Assert.NotNull(message);
            Assert.Equal(("shop", 3L), (message.App, message.Sequence));
            Assert.Equal(message, DeployMessage.Parse(message.ToJson()).Message);
        }
        else
        {
            Assert.Null(message);
            Assert.Contains(error, reason);
        }
    }
}

using System.Security.Cryptography;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Releases;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Web.Deploy;

/// <summary>
/// Delta releases on a real file system with real git and svn: unchanged files are hard links to the previous release,
/// changed ones written, deleted ones left out, every file read-only; a full build on any doubt; a kept release that
/// nothing — retention, a crash, an application writing into the live release — can change.
/// </summary>
public sealed class DeltaReleaseTests
{
    private static readonly Dictionary<string, string?> V1 = new()
    {
        ["index.html"] = "v1",
        ["lib/a.txt"] = "a1",
        ["lib/b.txt"] = "b1",
        ["lib/deep/c.txt"] = "c1",
        ["assets/style.css"] = "css1",
        ["gone.txt"] = "bye",
    };

    private static async Task<DeployOutcome> DeployAsync(DeployNode node)
        => await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("main")).Sequence, CancellationToken.None);

    private static string ReleaseDir(DeployNode node) => node.Layout().ReleaseDir(node.Layout().Current()!.Value);

    private static ulong Inode(string path) => ReleaseFiles.Stat(path).Inode;

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Every regular file under <paramref name="dir"/> (no symlinks followed) with its content hash.</summary>
    private static Dictionary<string, string> Snapshot(string dir)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(dir);
        return files;

        void Walk(string path)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path))
            {
                var status = ReleaseFiles.Stat(entry);
                if (status.Kind == ReleaseFiles.FileKind.Directory)
                {
                    Walk(entry);
                }
                else if (status.Kind == ReleaseFiles.FileKind.Regular)
                {
                    files[Path.GetRelativePath(dir, entry)] = $"{status.Inode}:{Hash(entry)}";
                }
            }
        }
    }

    [Fact]
    public async Task Delta_OfASmallChange_LinksTheUnchangedFiles_WritesTheChangedOnes_AndLeavesOutTheDeleted()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta1");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        var script = Path.Combine(repo.Path, "bin", "run.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        File.WriteAllText(script, "#!/bin/sh\necho run\n");
        NodeAgent.Roles.Db.Backup.UnixModes.Set(script, (UnixFileMode)0x1ED);
        File.CreateSymbolicLink(Path.Combine(repo.Path, "latest.html"), "index.html");
        repo.CommitWorkingTree("exec and symlink");
        await node.StartAsync();
        await DeployAsync(node);
        var first = ReleaseDir(node);
        repo.Commit(new Dictionary<string, string?> { ["lib/a.txt"] = "a2", ["gone.txt"] = null, ["lib/new/d.txt"] = "d2" });

        var outcome = await DeployAsync(node);

        var second = ReleaseDir(node);
        Assert.Equal(DeployOutcomeKind.Deployed, outcome.Kind);
        Assert.NotEqual(first, second);
        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("as a delta of") && e.Message.Contains("3 files written, 5 linked"));
        foreach (var same in new[] { "index.html", "lib/b.txt", "lib/deep/c.txt", "assets/style.css", "bin/run.sh" })
        {
            Assert.Equal(Inode(Path.Combine(first, same)), Inode(Path.Combine(second, same)));
        }

        Assert.NotEqual(Inode(Path.Combine(first, "lib/a.txt")), Inode(Path.Combine(second, "lib/a.txt")));
        Assert.Equal("a2", File.ReadAllText(Path.Combine(second, "lib/a.txt")));
        Assert.Equal("a1", File.ReadAllText(Path.Combine(first, "lib/a.txt")));
        Assert.Equal("d2", File.ReadAllText(Path.Combine(second, "lib/new/d.txt")));
        Assert.False(File.Exists(Path.Combine(second, "gone.txt")));
        Assert.True(File.Exists(Path.Combine(first, "gone.txt")));
        Assert.Equal("index.html", new FileInfo(Path.Combine(second, "latest.html")).LinkTarget);
        Assert.Equal(ReleaseFiles.ReadOnlyExecutable, ReleaseFiles.Stat(Path.Combine(second, "bin/run.sh")).Mode);
        Assert.All(Snapshot(second).Keys, f => Assert.True(ReleaseFiles.IsReadOnly(ReleaseFiles.Stat(Path.Combine(second, f)).Mode), f));
        Assert.Equal("delta", ReleaseSource.Read(node.Layout(), node.Layout().Current()!.Value)!.Mode);
    }

    [Fact]
    public async Task ReleaseModeFull_WritesEveryFile_EveryTime()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta2", "      release_mode: full");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var first = ReleaseDir(node);
        repo.Commit("lib/a.txt", "a2");

        await DeployAsync(node);

        var second = ReleaseDir(node);
        Assert.NotEqual(Inode(Path.Combine(first, "lib/b.txt")), Inode(Path.Combine(second, "lib/b.txt")));
        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("in full") && e.Message.Contains("release_mode is full"));
        Assert.Equal("full", ReleaseSource.Read(node.Layout(), node.Layout().Current()!.Value)!.Mode);
    }

    [Theory]
    [InlineData("symlink", "is a symlink, not a file")]
    [InlineData("directory", "is a directory, not a file")]
    [InlineData("writable", "is writable")]
    [InlineData("resized", "bytes, the commit's blob")]
    [InlineData("missing", "is missing")]
    [InlineData("no-source-record", "has no source record")]
    [InlineData("other-repository", "came from another repository")]
    public async Task Delta_FallsBackToAFullBuild_OnAnyDoubtAboutTheBase(string tamper, string reason)
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta3-" + tamper);
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var first = ReleaseDir(node);
        var victim = Path.Combine(first, "lib/b.txt");
        switch (tamper)
        {
            case "symlink":
                File.Delete(victim);
                File.CreateSymbolicLink(victim, "/etc/hostname");
                break;
            case "directory":
                File.Delete(victim);
                Directory.CreateDirectory(victim);
                break;
            case "writable":
                NodeAgent.Roles.Db.Backup.UnixModes.Set(victim, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                break;
            case "resized":
                File.Delete(victim);
                File.WriteAllText(victim, "a much longer content than before");
                ReleaseFiles.ClearWriteBits(victim, ReleaseFiles.ReadOnly);
                break;
            case "missing":
                File.Delete(victim);
                break;
            case "no-source-record":
                File.Delete(ReleaseSource.PathOf(node.Layout(), node.Layout().Current()!.Value));
                break;
            case "other-repository":
                // The app's repository URL changed in config since the current release was built (same record, other
                // repository id): the commit ids of two repositories say nothing about each other's files.
                var id = node.Layout().Current()!.Value;
                var record = ReleaseSource.Read(node.Layout(), id)!;
                Assert.Equal("full", record.Mode);
                (record with { Repository = Convert.ToHexStringLower(SHA256.HashData("git:https://example.invalid/other.git"u8)) }).Write(node.Layout(), id);
                break;
        }

        repo.Commit("lib/a.txt", "a2");

        var outcome = await DeployAsync(node);

        var second = ReleaseDir(node);
        Assert.Equal(DeployOutcomeKind.Deployed, outcome.Kind);
        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("in full") && e.Message.Contains(reason));
        Assert.Equal("b1", File.ReadAllText(Path.Combine(second, "lib/b.txt")));
        Assert.Equal(ReleaseFiles.FileKind.Regular, ReleaseFiles.Stat(Path.Combine(second, "lib/b.txt")).Kind);
        Assert.Equal("a2", File.ReadAllText(Path.Combine(second, "lib/a.txt")));
        Assert.NotEqual(Inode(Path.Combine(first, "index.html")), Inode(Path.Combine(second, "index.html")));
    }

    [Fact]
    public async Task KeptRelease_IsUnaffected_WhenTheLiveReleaseIsWrittenTo_InEveryWayThePermissionsAllow()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta4");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var kept = ReleaseDir(node);
        repo.Commit("index.html", "v2");
        await DeployAsync(node);
        var live = ReleaseDir(node);
        Assert.Equal(Inode(Path.Combine(kept, "lib/b.txt")), Inode(Path.Combine(live, "lib/b.txt")));
        var before = Snapshot(kept);
        var shared = Path.Combine(live, "lib/b.txt");
        var replacement = dir.Combine("replacement.txt");
        File.WriteAllText(replacement, "replaced");

        // The application runs as an unprivileged user (here nobody). Release files are read-only and owned by root, and
        // release directories are root's: every write, in place or not, is refused.
        Assert.NotEqual(0, AsNobody("truncate", "-s", "0", shared));
        Assert.NotEqual(0, AsNobody("cp", replacement, shared));
        Assert.NotEqual(0, AsNobody("chmod", "u+w", shared));
        Assert.NotEqual(0, AsNobody("rm", "-f", shared));
        Assert.NotEqual(0, AsNobody("touch", Path.Combine(live, "lib", "new.txt")));

        // An application given its release's directories (a deploy hook's chown, say) can add, remove and replace names
        // in them — never write through a name into a file another release shares.
        foreach (var directory in new[] { live, Path.Combine(live, "lib") })
        {
            NodeAgent.Roles.Db.Backup.PosixOwnership.Chown(directory, 65534, 65534);
        }

        Assert.NotEqual(0, AsNobody("truncate", "-s", "0", shared));
        Assert.NotEqual(0, AsNobody("dd", "if=" + replacement, "of=" + shared, "conv=notrunc", "status=none"));
        Assert.Equal(0, AsNobody("cp", "--remove-destination", replacement, Path.Combine(live, "lib/a.txt")));
        Assert.Equal(0, AsNobody("mv", "-f", Path.Combine(live, "lib/a.txt"), shared));
        Assert.Equal(0, AsNobody("rm", "-f", Path.Combine(live, "index.html")));
        Assert.Equal(0, AsNobody("touch", Path.Combine(live, "lib", "new.txt")));

        Assert.Equal("replaced", File.ReadAllText(shared));
        Assert.Equal(before, Snapshot(kept));
        Assert.Equal("b1", File.ReadAllText(Path.Combine(kept, "lib/b.txt")));
    }

    [Fact]
    public async Task Retention_NeverBreaksAKeptRelease_ThatSharesFilesWithRemovedOnes()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta5", web: "  keep_releases: 2\n");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var expected = new Dictionary<string, Dictionary<string, string>>();
        for (var i = 2; i <= 5; i++)
        {
            repo.Commit("lib/a.txt", $"a{i}");
            await DeployAsync(node);
            var release = node.Layout().Current()!.Value;
            expected[release] = Snapshot(node.Layout().ReleaseDir(release));
        }

        var kept = node.Layout().List().Select(r => r.Value).ToList();

        Assert.Equal(2, kept.Count);
        foreach (var release in kept)
        {
            Assert.Equal(expected[release], Snapshot(node.Layout().ReleaseDir(release)));
        }

        // lib/b.txt never changed: one file, linked into exactly the releases that are left.
        Assert.Equal(2u, ReleaseFiles.Stat(Path.Combine(node.Layout().ReleaseDir(kept[0]), "lib/b.txt")).Links);
        Assert.Equal("b1", node.ReadCurrent("lib/b.txt"));
        Assert.Equal("a5", node.ReadCurrent("lib/a.txt"));
        Assert.Equal(kept.Order(), Directory.EnumerateFiles(node.Layout().ReleasesDir, "*" + ReleaseSource.Suffix)
            .Select(f => Path.GetFileName(f)[..^ReleaseSource.Suffix.Length]).Order());
    }

    [Fact]
    public async Task Cleanup_OfAHalfBuiltDeltaRelease_LeavesItsBaseWhole()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta6");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var layout = node.Layout();
        var baseRelease = layout.Current()!;
        var before = Snapshot(layout.ReleaseDir(baseRelease.Value));
        var commit = repo.Commit("lib/a.txt", "a2");
        var checkout = new NodeAgent.Roles.Web.Checkout.SourceCheckouts(new NodeAgent.Processes.CliWrapProcessRunner(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance)
            .For(node.App(), node.Config.Node.StateDir);
        var resolved = await checkout.ResolveAsync(commit, CancellationToken.None);
        var half = ReleaseId.Create(DateTimeOffset.UtcNow.AddMinutes(1), 99, resolved.Short);
        var halfDir = layout.Begin(half);
        var (from, _) = ReleaseBases.Choose(layout, node.App());
        var build = await checkout.ExportAsync(resolved, halfDir, new NodeAgent.Roles.Web.Checkout.ExportOptions([], from), CancellationToken.None);
        Assert.Equal(ReleaseBuildMode.Delta, build.Mode);

        var removed = ReleaseCleanup.Run(layout);

        Assert.Contains(halfDir, removed);
        Assert.Equal(before, Snapshot(layout.ReleaseDir(baseRelease.Value)));
        Assert.Equal(1u, ReleaseFiles.Stat(Path.Combine(layout.ReleaseDir(baseRelease.Value), "lib/b.txt")).Links);
        Assert.Equal(baseRelease, layout.Current());
    }

    [Fact]
    public async Task TreeWithGitattributes_IsWrittenThroughCheckoutFilters_AndIsNeverADeltaBase()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta7");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(new Dictionary<string, string?> { [".gitattributes"] = "*.bat eol=crlf\n", ["run.bat"] = "echo one\necho two\n", ["index.html"] = "v1" });
        await node.StartAsync();
        await DeployAsync(node);
        Assert.Equal("echo one\r\necho two\r\n", node.ReadCurrent("run.bat"));
        Assert.True(ReleaseSource.Read(node.Layout(), node.Layout().Current()!.Value)!.Filtered);
        repo.Commit("index.html", "v2");

        await DeployAsync(node);

        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("in full") && e.Message.Contains("written through checkout filters"));
        Assert.Equal("v2", node.ReadCurrent("index.html"));
        Assert.True(ReleaseFiles.IsReadOnly(ReleaseFiles.Stat(Path.Combine(ReleaseDir(node), "run.bat")).Mode));
    }

    [Fact]
    public async Task BuildHook_MakesEveryReleaseFull_AndWhatItWritesReadOnly()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta8", """
                  hooks:
                    build: {command: [sh, -c, "echo built > out.txt"]}
            """);
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        repo.Commit("lib/a.txt", "a2");

        await DeployAsync(node);

        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("in full") && e.Message.Contains("build hook"));
        Assert.Equal("built\n", node.ReadCurrent("out.txt"));
        Assert.True(ReleaseFiles.IsReadOnly(ReleaseFiles.Stat(Path.Combine(ReleaseDir(node), "out.txt")).Mode));
        Assert.True(ReleaseSource.Read(node.Layout(), node.Layout().Current()!.Value)!.Built);
    }

    [Fact]
    public async Task HostileTree_WithADotDotEntry_IsRefused_AndNothingIsWrittenOutsideTheRelease()
    {
        var (node, repo, dir) = await DeployTests.NodeAsync("delta9");
        using var _ = dir;
        await using var __ = node;
        repo.Commit(V1);
        await node.StartAsync();
        await DeployAsync(node);
        var good = node.Layout().Current();
        // A tree object git itself would never write: an entry named "..", pointing at a tree with a file "escaped".
        var blob = Git(repo, "hash-object", "-w", "--stdin", input: "escaped\n").Trim();
        var inner = MakeTree(repo, ("100644", "escaped.txt", blob));
        var evil = MakeTree(repo, ("40000", "..", inner));
        var commit = Git(repo, "commit-tree", evil, "-p", repo.Head(), "-m", "evil").Trim();
        Git(repo, "update-ref", "refs/heads/main", commit);

        var outcome = await DeployAsync(node);

        Assert.NotEqual(DeployOutcomeKind.Deployed, outcome.Kind);
        Assert.Equal(good, node.Layout().Current());
        Assert.False(File.Exists(Path.Combine(node.Layout().ReleasesDir, "escaped.txt")));
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "escaped.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Svn_DeltaRelease_LinksUnchangedFiles_AndExportsOnlyTheChangedPaths()
    {
        var stack = await LocalStack.Shared();
        var bucket = await stack.CreateBucketAsync("svn");
        using var dir = new TempDir();
        var repo = SvnRepo.Create(dir.Path);
        repo.Commit(new Dictionary<string, string> { ["index.html"] = "v1", ["lib/a.txt"] = "a1", ["lib/b.txt"] = "b1", ["gone/x.txt"] = "x", ["run.sh"] = "#!/bin/sh\n" });
        await using var node = await DeployNode.CreateAsync(stack, bucket, dir, "svnd-" + Guid.NewGuid().ToString("N")[..6], "web-1", $$"""
              apps:
                - name: shop
                  repository: {type: svn, url: "{{repo.FileUrl}}"}
            """);
        await node.StartAsync();
        await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("HEAD")).Sequence, CancellationToken.None);
        var first = ReleaseDir(node);
        repo.Commit(new Dictionary<string, string> { ["lib/a.txt"] = "a2", ["added/dir/new.txt"] = "new" });
        SvnRepo.Run(dir.Combine("svnwc"), "svn", "rm", "-q", "gone");
        SvnRepo.Run(dir.Combine("svnwc"), "svn", "propset", "-q", "svn:executable", "on", "run.sh");
        SvnRepo.Run(dir.Combine("svnwc"), "svn", "commit", "-q", "-m", "more");

        var outcome = await node.Reconciler.ReconcileAsync(node.App(), "test", (await node.PublishAsync("HEAD")).Sequence, CancellationToken.None);

        var second = ReleaseDir(node);
        Assert.Equal(DeployOutcomeKind.Deployed, outcome.Kind);
        Assert.Contains(node.Logs.WithId(3014), e => e.Message.Contains("as a delta of"));
        Assert.Equal(Inode(Path.Combine(first, "lib/b.txt")), Inode(Path.Combine(second, "lib/b.txt")));
        Assert.Equal(Inode(Path.Combine(first, "index.html")), Inode(Path.Combine(second, "index.html")));
        Assert.Equal("a2", File.ReadAllText(Path.Combine(second, "lib/a.txt")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(second, "added/dir/new.txt")));
        Assert.False(Directory.Exists(Path.Combine(second, "gone")));
        Assert.Equal(ReleaseFiles.ReadOnlyExecutable, ReleaseFiles.Stat(Path.Combine(second, "run.sh")).Mode & ReleaseFiles.ReadOnlyExecutable);
        Assert.All(Snapshot(second).Keys, f => Assert.True(ReleaseFiles.IsReadOnly(ReleaseFiles.Stat(Path.Combine(second, f)).Mode), f));
        Assert.False(Directory.Exists(Path.Combine(second, ".svn")));
    }

    private static int AsNobody(params string[] command)
    {
        var start = new System.Diagnostics.ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", .. command])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), "setpriv did not finish");
        return process.ExitCode;
    }

    private static string MakeTree(GitRepo repo, params (string Mode, string Name, string Id)[] entries)
    {
        var bytes = new List<byte>();
        foreach (var (mode, name, id) in entries)
        {
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes($"{mode} {name}\0"));
            bytes.AddRange(Convert.FromHexString(id));
        }

        var file = Path.Combine(repo.Path, "..", $"tree-{Guid.NewGuid():N}");
        File.WriteAllBytes(file, [.. bytes]);
        return Git(repo, "hash-object", "-t", "tree", "-w", "--literally", file).Trim();
    }

    private static string Git(GitRepo repo, params string[] args) => Git(repo, args, null);

    private static string Git(GitRepo repo, string first, string second, string third, string input)
        => Git(repo, [first, second, third], input);

    private static string Git(GitRepo repo, string[] args, string? input)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git", args)
        {
            WorkingDirectory = repo.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "git did not finish");
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return output;
    }
}

using System.Diagnostics;
using NodeAgent.Testing;
using NodeAgent.Tests.Configuration;
using Xunit.Abstractions;

namespace NodeAgent.Tests.Fuzz;

/// <summary>
/// <c>validate</c> over the whole user-data seed corpus (<c>Fuzz/corpus/user-data</c>, written by
/// <c>make-user-data-corpus.py</c>): every case exits 0 or 3 as <c>expected.tsv</c> says, with its reason, no stack
/// trace, in under 2 s and with under 200 MB allocated. <c>tools/validate-corpus.sh</c> runs the same corpus through
/// the built binary and prints one summary line.
/// </summary>
public sealed class ValidateCorpusTests(ITestOutputHelper output)
{
    public static string CorpusDir => Path.Combine(RepoPaths.Root, "tests", "NodeAgent.Tests", "Fuzz", "corpus", "user-data");

    public static TheoryData<string, int, string> Cases()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var line in File.ReadAllLines(Path.Combine(CorpusDir, "expected.tsv")).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var parts = line.Split('\t');
            data.Add(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2]);
        }

        return data;
    }

    [Fact]
    public void Corpus_ListsEveryFileItHolds()
    {
        var listed = Cases().Select(c => (string)c[0]).Order(StringComparer.Ordinal).ToList();
        var files = Directory.GetFiles(CorpusDir).Select(f => Path.GetFileName(f)).Where(f => f != "expected.tsv").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, listed);
        Assert.True(listed.Count >= 30);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Validate_OnEachCorpusCase_ExitsZeroOrThreeWithItsReason_Quickly_WithoutAStackTrace(string file, int expectedCode, string fragment)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(CorpusDir, file));
        var (code, text) = await UserDataHardeningTests.ValidateAsync(bytes);
        var (elapsed, megabytes) = UserDataHardeningTests.Measure(bytes);
        output.WriteLine($"{file}: exit {code} in {elapsed.TotalMilliseconds:0} ms of CPU, {megabytes:0.0} MB allocated");

        Assert.True(code == expectedCode, $"{file}: exit {code}, expected {expectedCode}: {text}");
        Assert.Contains(fragment, text);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"{file} took {elapsed}");
        Assert.True(megabytes < 200, $"{file} allocated {megabytes:0} MB");
    }
}

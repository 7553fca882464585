using NodeAgent.Roles.Db.MariaDb;

namespace NodeAgent.Tests.Roles.Db.MariaDb;

public sealed class DumpRetentionTests
{
    private static DumpEntry Dump(string id, string binlog) => new(id, new DumpManifest
    {
        Id = id,
        BinlogFile = binlog,
        BinlogPosition = 4,
        SqlSha256 = "x",
        StoredSha256 = "y",
    }, 10);

    [Fact]
    public void Plan_KeepsTheNewestK_AndTheBinlogsFromTheOldestKeptDumpsPosition()
    {
        var dumps = new[] { Dump("d1", "mariadb-bin.000002"), Dump("d2", "mariadb-bin.000005"), Dump("d3", "mariadb-bin.000009"), new DumpEntry("d0", null, 1) };
        var binlogs = Enumerable.Range(1, 9).Select(i => $"mariadb-bin.{i:000000}").ToList();

        var plan = DumpRetention.Plan(dumps, binlogs, keep: 2);

        Assert.Equal(["d2", "d3"], plan.KeptDumps);
        Assert.Equal(["d0", "d1"], plan.DeletedDumps);
        Assert.Equal(["mariadb-bin.000001", "mariadb-bin.000002", "mariadb-bin.000003", "mariadb-bin.000004"], plan.DeletedBinlogs);
    }
}

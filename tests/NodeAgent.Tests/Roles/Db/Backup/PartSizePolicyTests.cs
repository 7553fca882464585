using NodeAgent.Roles.Db.Backup;

namespace NodeAgent.Tests.Roles.Db.Backup;

public sealed class PartSizePolicyTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L << 30)]
    [InlineData(500L << 30)]
    public void AStreamFarLargerThanItsEstimate_StillFitsIn10000Parts(long estimate)
    {
        var initial = PartSizePolicy.Initial(estimate);

        Assert.True(PartSizePolicy.Capacity(initial) >= 5L << 40, $"capacity {PartSizePolicy.Capacity(initial)} from {initial}");
        Assert.InRange(initial, PartSizePolicy.MinPartSize, PartSizePolicy.MaxPartSize);
    }

    [Fact]
    public void TheEstimateLeavesHalfThePartsSpare()
    {
        var estimate = 3L << 40;
        var initial = PartSizePolicy.Initial(estimate);

        Assert.True(initial * 5_000 >= estimate * 2);
        Assert.Equal(initial, PartSizePolicy.ForPart(initial, 5_000));
        Assert.True(PartSizePolicy.ForPart(initial, 5_001) > initial);
        Assert.Throws<ArgumentOutOfRangeException>(() => PartSizePolicy.ForPart(initial, 10_001));
    }
}

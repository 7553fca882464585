using Microsoft.Extensions.Logging;
using NodeAgent.FileSystem;

namespace NodeAgent.Bootstrap;

public enum BakedStateOutcome
{
    /// <summary>No state dir or no recorded instance id: first boot.</summary>
    Fresh,

    /// <summary>The recorded instance id is this instance's: a reboot or agent restart.</summary>
    Same,

    /// <summary>The recorded instance id is another instance's: an image baked from a running node. State was wiped.</summary>
    Wiped,
}

/// <summary>
/// Detects a disk baked from another running node — its state dir records a different instance id — and wipes the
/// node-local state before anything reads it, so a new node never inherits another's queue, locks or dedupe marks.
/// </summary>
public sealed partial class BakedStateGuard(ILogger<BakedStateGuard> logger)
{
    public const string InstanceIdFile = "instance-id";

    public BakedStateOutcome Apply(string stateDir, string instanceId)
    {
        Directory.CreateDirectory(stateDir);
        var marker = Path.Combine(stateDir, InstanceIdFile);
        var recorded = File.Exists(marker) ? File.ReadAllText(marker).Trim() : null;
        var outcome = recorded switch
        {
            null => BakedStateOutcome.Fresh,
            _ when recorded == instanceId => BakedStateOutcome.Same,
            _ => BakedStateOutcome.Wiped,
        };

        if (outcome == BakedStateOutcome.Wiped)
        {
            LogWiping(logger, stateDir, recorded!, instanceId);
            foreach (var entry in new DirectoryInfo(stateDir).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo dir && dir.LinkTarget is null)
                {
                    dir.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }

        if (outcome != BakedStateOutcome.Same)
        {
            AtomicFile.WriteAllText(marker, instanceId + "\n");
        }

        return outcome;
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning,
        Message = "State dir {StateDir} belongs to instance {RecordedInstanceId}, not {InstanceId}: this disk was baked from another node; wiping node-local state")]
    private static partial void LogWiping(ILogger logger, string stateDir, string recordedInstanceId, string instanceId);
}

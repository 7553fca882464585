using System.Globalization;

namespace NodeAgent.Roles.Db.Postgres.Server;

/// <summary>
/// What <c>pg_controldata</c> says about a stopped (or running) cluster: its state, system identifier, the latest
/// checkpoint (location, redo point, timeline) and whether pg_rewind can work on it (wal_log_hints or data checksums).
/// </summary>
public sealed record ControlData
{
    public required string State { get; init; }

    public required ulong SystemIdentifier { get; init; }

    public required Lsn Checkpoint { get; init; }

    public required Lsn Redo { get; init; }

    public required uint Timeline { get; init; }

    public bool WalLogHints { get; init; }

    public bool DataChecksums { get; init; }

    /// <summary>"shut down" (a primary stopped cleanly) or "shut down in recovery" (a replica).</summary>
    public bool CleanlyShutDown => State is "shut down" or "shut down in recovery";

    public bool Rewindable => WalLogHints || DataChecksums;

    /// <summary>Parses the tool's "Name: value" lines; throws with what is missing.</summary>
    public static ControlData Parse(string output)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        string Field(string name) => fields.TryGetValue(name, out var value) ? value
            : throw new InvalidDataException($"pg_controldata printed no '{name}'");

        return new ControlData
        {
            State = Field("Database cluster state"),
            SystemIdentifier = ulong.Parse(Field("Database system identifier"), NumberStyles.None, CultureInfo.InvariantCulture),
            Checkpoint = Lsn.Parse(Field("Latest checkpoint location")),
            Redo = Lsn.Parse(Field("Latest checkpoint's REDO location")),
            Timeline = uint.Parse(Field("Latest checkpoint's TimeLineID"), NumberStyles.None, CultureInfo.InvariantCulture),
            WalLogHints = fields.GetValueOrDefault("wal_log_hints setting") == "on",
            DataChecksums = fields.GetValueOrDefault("Data page checksum version") is { } v && v != "0",
        };
    }
}

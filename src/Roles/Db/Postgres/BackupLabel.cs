using System.Globalization;
using System.Text;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The <c>backup_label</c> PostgreSQL puts first in a base backup's tar stream, and the <c>.backup</c> history file it
/// archives when the backup stops: <c>START WAL LOCATION: 0/2000028 (file 000000010000000000000002)</c>,
/// <c>STOP WAL LOCATION: …</c>, <c>START TIMELINE: 1</c>, <c>LABEL: …</c>.
/// </summary>
public sealed record BackupLabel(Lsn Start, Lsn? Stop, uint Timeline, string Label)
{
    public static BackupLabel Parse(string text)
    {
        Lsn? start = null;
        Lsn? stop = null;
        uint timeline = 0;
        var label = string.Empty;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (Field(line, "START WAL LOCATION:") is { } s)
            {
                start = Lsn.Parse(s.Split(' ')[0]);
            }
            else if (Field(line, "STOP WAL LOCATION:") is { } e)
            {
                stop = Lsn.Parse(e.Split(' ')[0]);
            }
            else if (Field(line, "START TIMELINE:") is { } t)
            {
                timeline = uint.Parse(t, CultureInfo.InvariantCulture);
            }
            else if (Field(line, "LABEL:") is { } l)
            {
                label = l;
            }
        }

        if (start is null)
        {
            throw new InvalidDataException("backup label has no START WAL LOCATION");
        }

        return new BackupLabel(start.Value, stop, timeline, label);
    }

    /// <summary>Reads <c>backup_label</c> from the start of a tar stream, where pg_basebackup puts it.</summary>
    public static BackupLabel FromTarHead(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512)
        {
            throw new InvalidDataException("the base backup stream ended before its first tar header");
        }

        var name = Encoding.ASCII.GetString(head[..100]).TrimEnd('\0');
        if (name != "backup_label")
        {
            throw new InvalidDataException($"the base backup stream starts with '{name}', not backup_label");
        }

        var sizeText = Encoding.ASCII.GetString(head.Slice(124, 12)).Trim('\0', ' ');
        var size = Convert.ToInt32(sizeText, 8);
        if (head.Length < 512 + size)
        {
            throw new InvalidDataException("backup_label is longer than the captured head of the stream");
        }

        return Parse(Encoding.UTF8.GetString(head.Slice(512, size)));
    }

    private static string? Field(string line, string name)
        => line.StartsWith(name, StringComparison.Ordinal) ? line[name.Length..].Trim() : null;
}

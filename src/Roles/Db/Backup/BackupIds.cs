using System.Globalization;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>Backup ids: the UTC start time to the millisecond, so ids sort in start order (<c>20250131T235959123Z</c>).</summary>
public static class BackupIds
{
    public const string Format = "yyyyMMdd'T'HHmmssfff'Z'";

    public static string New(TimeProvider time) => time.GetUtcNow().UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);
}

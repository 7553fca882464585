using System.Globalization;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>Where recovery stops: the end of the archived WAL, a time, a WAL location, or as soon as the backup is consistent.</summary>
public sealed record RecoveryTarget
{
    private RecoveryTarget(string kind, DateTimeOffset? time, Lsn? lsn)
    {
        Kind = kind;
        Time = time;
        Lsn = lsn;
    }

    public string Kind { get; }

    public DateTimeOffset? Time { get; }

    public Lsn? Lsn { get; }

    public static RecoveryTarget Latest { get; } = new("latest", null, null);

    public static RecoveryTarget Immediate { get; } = new("immediate", null, null);

    public static RecoveryTarget AtTime(DateTimeOffset time) => new("time", time, null);

    public static RecoveryTarget AtLsn(Lsn lsn) => new("lsn", null, lsn);

    /// <summary>
    /// The target <c>backup restore</c> asks for: <c>--target-time</c> (ISO 8601, UTC when no offset is given),
    /// <c>--target-lsn</c>, or neither (<see cref="Latest"/>). False with the reason when they are both given or malformed.
    /// </summary>
    public static bool TryParse(string? time, string? lsn, out RecoveryTarget target, out string error)
    {
        target = Latest;
        error = string.Empty;
        if (time is not null && lsn is not null)
        {
            error = "--target-time and --target-lsn are mutually exclusive";
            return false;
        }

        if (time is not null)
        {
            if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                error = $"--target-time '{time}' is not a time such as 2025-01-31T23:59:59Z";
                return false;
            }

            target = AtTime(at);
        }
        else if (lsn is not null)
        {
            if (!Postgres.Lsn.TryParse(lsn, out var location))
            {
                error = $"--target-lsn '{lsn}' is not a WAL location such as 0/3000060";
                return false;
            }

            target = AtLsn(location);
        }

        return true;
    }

    /// <summary>Settings for postgresql.auto.conf, besides restore_command.</summary>
    public IEnumerable<(string Name, string Value)> Settings()
    {
        switch (Kind)
        {
            case "time":
                yield return ("recovery_target_time", Time!.Value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00'", CultureInfo.InvariantCulture));
                break;
            case "lsn":
                yield return ("recovery_target_lsn", Lsn!.Value.ToString());
                break;
            case "immediate":
                yield return ("recovery_target", "immediate");
                break;
        }

        yield return ("recovery_target_timeline", "latest");
        if (Kind != "latest")
        {
            yield return ("recovery_target_action", "promote");
        }
    }

    /// <summary>Whether <paramref name="backup"/> ended before this target, so recovery from it can reach the target.</summary>
    public bool CanStartFrom(BaseBackupManifest backup) => Kind switch
    {
        "time" => backup.StopTime <= Time!.Value,
        "lsn" => backup.Stop <= Lsn!.Value,
        _ => true,
    };

    public override string ToString() => Kind switch
    {
        "time" => $"time {Time!.Value.ToUniversalTime():yyyy-MM-ddTHH:mm:ss.ffffffZ}",
        "lsn" => $"lsn {Lsn}",
        _ => Kind,
    };
}

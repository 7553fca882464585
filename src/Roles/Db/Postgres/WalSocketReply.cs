namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// The agent's answer to a request handed over its socket: <c>OK</c>, <c>CONFLICT</c> (wal-push: another file under
/// the name), <c>MISSING</c> (wal-fetch: the archive has no such file), <c>DECLINE</c> (the agent will not serve this
/// request, e.g. a destination outside its cluster's pg_wal: the client does the work itself) or <c>ERROR</c>.
/// </summary>
public sealed record WalSocketReply(bool Ok, bool Conflict, string Message)
{
    public const string OkWord = "OK";
    public const string ConflictWord = "CONFLICT";
    public const string ErrorWord = "ERROR";
    public const string MissingWord = "MISSING";
    public const string DeclineWord = "DECLINE";

    public bool Missing { get; init; }

    public bool Declined { get; init; }

    public string ToLine() => $"{(Ok ? OkWord : Conflict ? ConflictWord : Missing ? MissingWord : Declined ? DeclineWord : ErrorWord)} {Message.ReplaceLineEndings(" ")}\n";

    public static WalSocketReply Parse(string line)
    {
        var space = line.IndexOf(' ');
        var word = space < 0 ? line : line[..space];
        var message = space < 0 ? string.Empty : line[(space + 1)..];
        return word switch
        {
            OkWord => new WalSocketReply(true, false, message),
            ConflictWord => new WalSocketReply(false, true, message),
            MissingWord => new WalSocketReply(false, false, message) { Missing = true },
            DeclineWord => new WalSocketReply(false, false, message) { Declined = true },
            _ => new WalSocketReply(false, false, message.Length > 0 ? message : $"unexpected reply from the agent: {line}"),
        };
    }
}

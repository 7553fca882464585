namespace NodeAgent.Roles.Db.Postgres;

/// <summary>The agent's answer to a wal-push handed over its socket.</summary>
public sealed record WalSocketReply(bool Ok, bool Conflict, string Message)
{
    public const string OkWord = "OK";
    public const string ConflictWord = "CONFLICT";
    public const string ErrorWord = "ERROR";

    public string ToLine() => $"{(Ok ? OkWord : Conflict ? ConflictWord : ErrorWord)} {Message.ReplaceLineEndings(" ")}\n";

    public static WalSocketReply Parse(string line)
    {
        var space = line.IndexOf(' ');
        var word = space < 0 ? line : line[..space];
        var message = space < 0 ? string.Empty : line[(space + 1)..];
        return word switch
        {
            OkWord => new WalSocketReply(true, false, message),
            ConflictWord => new WalSocketReply(false, true, message),
            _ => new WalSocketReply(false, false, message.Length > 0 ? message : $"unexpected reply from the agent: {line}"),
        };
    }
}

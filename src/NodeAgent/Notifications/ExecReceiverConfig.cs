using System.Security.Cryptography;
using System.Text;
using NodeAgent.Configuration;

namespace NodeAgent.Notifications;

/// <summary>
/// <c>notifications.exec[]</c>: a program run for each event with an argument list (never a shell string), the event
/// JSON on standard input and <c>NODEAGENT_EVENT_ID</c>, <c>NODEAGENT_EVENT_TYPE</c> in its environment. Exit 0 is
/// delivered; anything else is retried.
/// </summary>
public sealed record ExecReceiverConfig
{
    private static ExecReceiverConfig Default => new() { Command = default! };

    public required IReadOnlyList<string> Command { get; init; }

    public IReadOnlyList<string> Events { get; init; } = [];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string ReceiverId => "exec-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', Command))))[..12];

    public string Display => Command[0];

    public static ExecReceiverConfig? Read(ConfigReader r)
    {
        var command = r.StringList("command", required: true, max: 256, allowNewlines: true);
        var receiver = new ExecReceiverConfig
        {
            Command = command,
            Events = NotificationsSection.ReadEvents(r),
            Timeout = r.Duration("timeout", Default.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            Environment = r.StringMap("env", Names.EnvName(), Names.EnvNameHint),
        };
        return command.Count == 0 ? null : receiver;
    }
}

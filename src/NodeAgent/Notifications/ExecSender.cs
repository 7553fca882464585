using NodeAgent.Processes;

namespace NodeAgent.Notifications;

/// <summary>
/// Runs an exec receiver's command for one event: argument list, event JSON on standard input, the event id and type in
/// the environment. Exit 0 is delivered; a non-zero exit or a timeout is retried.
/// </summary>
public sealed class ExecSender(ExecReceiverConfig config, IProcessRunner runner) : INotificationSender
{
    public string ReceiverId => config.ReceiverId;

    public string Display => config.Display;

    public IReadOnlyList<string> Events => config.Events;

    public async Task<DeliveryResult> SendAsync(NotificationEvent notification, byte[] body, CancellationToken cancellationToken)
    {
        var environment = config.Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);
        environment["NODEAGENT_EVENT_ID"] = notification.Id;
        environment["NODEAGENT_EVENT_TYPE"] = notification.Type;
        environment["NODEAGENT_EVENT_SUBJECT"] = notification.Subject ?? string.Empty;
        using var input = new MemoryStream(body, writable: false);
        var spec = new ProcessSpec(config.Command[0], config.Command.Skip(1).ToList())
        {
            Environment = environment,
            Timeout = config.Timeout,
            GracePeriod = TimeSpan.FromSeconds(2),
            StandardInput = input,
            MaxCapturedChars = 2000,
        };
        try
        {
            var result = await runner.RunAsync(spec, cancellationToken, allowFailure: true);
            return result.ExitCode == 0
                ? DeliveryResult.Ok("exit 0")
                : DeliveryResult.Retry($"exit {result.ExitCode}: {Tail(result.StandardError)}");
        }
        catch (ProcessFailedException ex)
        {
            return DeliveryResult.Retry(ex.Message);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            return DeliveryResult.Retry($"cannot run {config.Display}: {ex.Message}");
        }
    }

    private static string Tail(string text) => text.Length <= 300 ? text.Trim() : text[^300..].Trim();
}

using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// Runs an app's hooks (<c>build</c>, <c>after_swap</c>, <c>validate</c>) through <see cref="IProcessRunner"/>: an
/// argument list, the hook's timeout, its environment plus the deploy's (<c>NODEAGENT_*</c>), output copied line by
/// line to the log and its tail kept for the status record.
/// </summary>
public sealed partial class HookRunner(IProcessRunner processes, ILogger<HookRunner> logger)
{
    public const int OutputTailChars = 4000;

    public async Task<HookResult> RunAsync(
        string app, string name, HookConfig hook, string workingDirectory, IReadOnlyDictionary<string, string> deployEnvironment,
        CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in deployEnvironment)
        {
            environment[k] = v;
        }

        foreach (var (k, v) in hook.Environment)
        {
            environment[k] = v;
        }

        // A second line of defence behind the validators: no variable of a hook's environment may carry a control
        // character (a value from a message or S3 never gets here unchecked; this makes sure of it).
        foreach (var (k, v) in environment)
        {
            if (!NodeAgent.Configuration.Names.EnvName().IsMatch(k) || (v is not null && NodeAgent.Configuration.SafeText.Problem(v) is { } problem))
            {
                throw new InvalidOperationException($"hook {name} of app {app}: environment variable '{NodeAgent.Configuration.SafeText.Escape(k)}' cannot be passed: {(NodeAgent.Configuration.Names.EnvName().IsMatch(k) ? "its value " + NodeAgent.Configuration.SafeText.Problem(v!) : "not a variable name")}");
            }
        }

        var output = new StringBuilder();
        var spec = new ProcessSpec(hook.Command[0], hook.Command.Skip(1).ToList())
        {
            WorkingDirectory = workingDirectory,
            Environment = environment,
            Timeout = hook.Timeout,
            OnLine = line =>
            {
                LogHookLine(logger, app, name, line);
                lock (output)
                {
                    output.AppendLine(line);
                    if (output.Length > OutputTailChars * 2)
                    {
                        output.Remove(0, output.Length - OutputTailChars);
                    }
                }
            },
        };
        LogHookStarting(logger, app, name, spec.Display);
        try
        {
            var result = await processes.RunAsync(spec, cancellationToken);
            LogHookDone(logger, app, name, result.Duration.TotalMilliseconds);
            return new HookResult(true, Tail(output), null);
        }
        catch (ProcessFailedException ex)
        {
            LogHookFailed(logger, app, name, ex.Message);
            return new HookResult(false, Tail(output), $"{name} hook {(ex.TimedOut ? $"timed out after {hook.Timeout.TotalSeconds:0} s" : ex.ExitCode is { } c ? $"exited with code {c}" : "could not start")}");
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            var text = output.ToString();
            return text.Length <= OutputTailChars ? text : text[^OutputTailChars..];
        }
    }

    [LoggerMessage(EventId = 3040, Level = LogLevel.Information, Message = "App {App}: running {Hook} hook: {Command}")]
    private static partial void LogHookStarting(ILogger logger, string app, string hook, string command);

    [LoggerMessage(EventId = 3041, Level = LogLevel.Information, Message = "App {App} {Hook}: {Line}")]
    private static partial void LogHookLine(ILogger logger, string app, string hook, string line);

    [LoggerMessage(EventId = 3042, Level = LogLevel.Information, Message = "App {App}: {Hook} hook succeeded in {ElapsedMs:0} ms")]
    private static partial void LogHookDone(ILogger logger, string app, string hook, double elapsedMs);

    [LoggerMessage(EventId = 3043, Level = LogLevel.Warning, Message = "App {App}: {Hook} hook failed: {Reason}")]
    private static partial void LogHookFailed(ILogger logger, string app, string hook, string reason);
}

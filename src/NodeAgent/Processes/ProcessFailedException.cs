namespace NodeAgent.Processes;

/// <summary>A process exited non-zero, timed out, or could not start. Carries the command, exit code and stderr tail.</summary>
public sealed class ProcessFailedException : Exception
{
    public ProcessFailedException(string command, int? exitCode, string standardErrorTail, bool timedOut, Exception? inner = null)
        : base(Describe(command, exitCode, standardErrorTail, timedOut), inner)
    {
        Command = command;
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
        TimedOut = timedOut;
    }

    public string Command { get; }

    public int? ExitCode { get; }

    public string StandardErrorTail { get; }

    public bool TimedOut { get; }

    private static string Describe(string command, int? exitCode, string stderr, bool timedOut)
    {
        var what = timedOut ? "timed out" : exitCode is { } code ? $"exited with code {code}" : "could not start";
        var tail = string.IsNullOrWhiteSpace(stderr) ? string.Empty : $": {Tail(stderr, 500)}";
        return $"{command} {what}{tail}";
    }

    private static string Tail(string text, int max)
    {
        text = text.Trim();
        return text.Length <= max ? text : "…" + text[^max..];
    }
}

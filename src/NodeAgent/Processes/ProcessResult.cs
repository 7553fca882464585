namespace NodeAgent.Processes;

/// <summary>How a process ended, with the tail of what it printed.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Duration);

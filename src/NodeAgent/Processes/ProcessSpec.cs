namespace NodeAgent.Processes;

/// <summary>
/// A process to run: a program and an argument list (never a shell string), where, with what environment, for how long,
/// and what to do with its output.
/// </summary>
public sealed record ProcessSpec(string Program, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>After this the process is asked to stop (SIGINT), then killed after <see cref="GracePeriod"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes fed to standard input, if any.</summary>
    public Stream? StandardInput { get; init; }

    /// <summary>Receives standard output as raw bytes instead of capturing it (for streaming pipelines).</summary>
    public Stream? StandardOutput { get; init; }

    /// <summary>Called for every output line (stdout and stderr), e.g. to copy a hook's output to the log.</summary>
    public Action<string>? OnLine { get; init; }

    /// <summary>How much captured output to keep (the tail is kept).</summary>
    public int MaxCapturedChars { get; init; } = 64 * 1024;

    /// <summary>The command as shown in logs and errors. Arguments must never carry secrets.</summary>
    public string Display => Arguments.Count == 0 ? Program : $"{Program} {string.Join(' ', Arguments.Select(Quote))}";

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
}

using System.Diagnostics;

namespace NodeAgent.Testing;

/// <summary>
/// Runs a helper program (git, svn, tar, renice, the agent's CLI) to completion with an argument list: returns its
/// standard output, or throws with its exit code and standard error.
/// </summary>
public static class ProgramRunner
{
    /// <param name="timeout">How long it may run before it is killed and a <see cref="TimeoutException"/> is thrown;
    /// null waits as long as it takes.</param>
    public static string Run(string workingDirectory, string program, IReadOnlyList<string> args, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout?.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.Result;
    }
}

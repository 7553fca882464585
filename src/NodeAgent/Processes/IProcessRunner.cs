namespace NodeAgent.Processes;

/// <summary>Runs external programs (hooks, svn, haproxy, pg tools). The one place processes are started.</summary>
public interface IProcessRunner
{
    /// <summary>Runs to completion. Throws <see cref="ProcessFailedException"/> on a non-zero exit or timeout unless
    /// <paramref name="allowFailure"/>, in which case the result carries the exit code.</summary>
    Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken, bool allowFailure = false);
}

using System.Collections.Concurrent;
using NodeAgent.Processes;

namespace NodeAgent.Testing;

/// <summary>The real process runner, recording every spec it was asked to run (to check command lines).</summary>
public sealed class RecordingProcessRunner : IProcessRunner
{
    private readonly CliWrapProcessRunner _inner = new();

    public ConcurrentQueue<ProcessSpec> Specs { get; } = new();

    public Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken, bool allowFailure = false)
    {
        Specs.Enqueue(spec);
        return _inner.RunAsync(spec, cancellationToken, allowFailure);
    }
}

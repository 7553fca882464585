using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using CliWrap;
using CliWrap.Exceptions;

namespace NodeAgent.Processes;

/// <summary>
/// <see cref="IProcessRunner"/> over CliWrap: argument lists only, graceful cancellation (SIGINT) before a kill, and
/// bounded capture of output.
/// </summary>
public sealed class CliWrapProcessRunner : IProcessRunner
{
    public async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken, bool allowFailure = false)
    {
        var stdout = new TailBuffer(spec.MaxCapturedChars);
        var stderr = new TailBuffer(spec.MaxCapturedChars);
        var outTarget = spec.StandardOutput is { } sink
            ? PipeTarget.ToStream(sink)
            : PipeTarget.ToDelegate(line => { stdout.AppendLine(line); spec.OnLine?.Invoke(line); });
        var command = global::CliWrap.Cli.Wrap(spec.Program)
            .WithArguments(spec.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(outTarget)
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => { stderr.AppendLine(line); spec.OnLine?.Invoke(line); }));
        if (spec.WorkingDirectory is not null)
        {
            command = command.WithWorkingDirectory(spec.WorkingDirectory);
        }

        if (spec.Environment.Count > 0)
        {
            command = command.WithEnvironmentVariables(spec.Environment);
        }

        if (spec.StandardInput is not null)
        {
            command = command.WithStandardInputPipe(PipeSource.FromStream(spec.StandardInput));
        }

        using var graceful = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var forceful = new CancellationTokenSource();
        if (spec.Timeout is { } timeout)
        {
            graceful.CancelAfter(timeout);
        }

        await using var escalate = graceful.Token.Register(() => forceful.CancelAfter(spec.GracePeriod));
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await command.ExecuteAsync(forceful.Token, graceful.Token);
            var outcome = new ProcessResult(result.ExitCode, stdout.ToString(), stderr.ToString(), clock.Elapsed);
            if (result.ExitCode != 0 && !allowFailure)
            {
                throw new ProcessFailedException(spec.Display, result.ExitCode, outcome.StandardError, timedOut: false);
            }

            return outcome;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && spec.Timeout is not null)
        {
            throw new ProcessFailedException(spec.Display, null, stderr.ToString(), timedOut: true);
        }
        catch (Win32Exception ex)
        {
            throw new ProcessFailedException(spec.Display, null, ex.Message, timedOut: false, ex);
        }
        catch (CommandExecutionException ex)
        {
            throw new ProcessFailedException(spec.Display, ex.ExitCode, stderr.ToString(), timedOut: false, ex);
        }
    }

    /// <summary>Keeps the last <c>max</c> characters of a stream of lines.</summary>
    private sealed class TailBuffer(int max)
    {
        private readonly StringBuilder _text = new();

        public void AppendLine(string line)
        {
            lock (_text)
            {
                _text.AppendLine(line);
                if (_text.Length > max * 2)
                {
                    _text.Remove(0, _text.Length - max);
                }
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.Length <= max ? _text.ToString() : _text.ToString(_text.Length - max, max);
            }
        }
    }
}

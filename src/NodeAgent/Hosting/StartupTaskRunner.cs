using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Lifecycle;
using NodeAgent.Status;

namespace NodeAgent.Hosting;

/// <summary>
/// Runs every <see cref="IStartupTask"/> in order inside <see cref="StartAsync"/>. The host starts hosted services one
/// after another and signals systemd READY only once all have started, so READY means bootstrap succeeded.
/// </summary>
public sealed partial class StartupTaskRunner(IEnumerable<IStartupTask> tasks, ReadinessState readiness, ILogger<StartupTaskRunner> logger)
    : IHostedService
{
    public const string ReadinessCheck = "startup";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in tasks.OrderBy(t => t.Order))
        {
            readiness.Set(ReadinessCheck, false, $"running {task.Name}");
            LogStarting(logger, task.Name);
            var clock = Stopwatch.StartNew();
            try
            {
                await task.RunAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                readiness.Set(ReadinessCheck, false, $"{task.Name} failed: {ex.Message}");
                LogFailed(logger, task.Name, ex);
                throw new StartupFailedException(task.Name, ex);
            }

            LogDone(logger, task.Name, clock.ElapsedMilliseconds);
        }

        readiness.Set(ReadinessCheck, true, "started");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Startup: {Task}")]
    private static partial void LogStarting(ILogger logger, string task);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Startup: {Task} done in {ElapsedMs} ms")]
    private static partial void LogDone(ILogger logger, string task, long elapsedMs);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Critical, Message = "Startup: {Task} failed; the agent will stop")]
    private static partial void LogFailed(ILogger logger, string task, Exception exception);
}

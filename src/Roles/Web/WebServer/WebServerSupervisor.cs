using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.WebServer;

/// <summary>
/// Runs <c>web.server</c> (e.g. nginx in the foreground) as a supervised child: started at
/// <see cref="StartupOrder.RoleServe"/>, after boot catch-up, so it never serves a stale release at boot; restarted
/// with backoff when it dies; stopped gracefully (SIGINT, then kill after the grace period) only once the host has
/// stopped everything else — after the node has marked itself draining and left the registry.
/// </summary>
public sealed partial class WebServerSupervisor(
    WebSection web,
    AgentConfig config,
    NodeIdentity identity,
    IProcessRunner processes,
    TimeProvider time,
    ILogger<WebServerSupervisor> logger) : IStartupTask, IHostedLifecycleService, IDisposable
{
    /// <summary>How long the startup task waits for the server to accept connections on <c>web.port</c>.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    /// <summary>A server that stayed up this long has its restart backoff reset.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _starts;

    public int Order => StartupOrder.RoleServe;

    public string Name => "start the web server";

    /// <summary>How many times the server process has been started.</summary>
    public int Starts => Volatile.Read(ref _starts);

    /// <summary>Completes when the current server process exits (tests use it).</summary>
    public event Action<int>? Exited;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var server = web.Server ?? throw new InvalidOperationException("web.server is not configured");
        var firstExit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop = SuperviseAsync(server, firstExit, _stop.Token);
        var settle = Task.Delay(SettleTime, time, cancellationToken);
        while (!settle.IsCompleted)
        {
            if (firstExit.Task.IsCompleted)
            {
                throw new InvalidOperationException($"web server {server.Command[0]} exited at once with code {await firstExit.Task}");
            }

            if (await AcceptsAsync(cancellationToken))
            {
                LogListening(logger, identity.Address.ToString(), web.Port);
                return;
            }

            await Task.WhenAny(settle, firstExit.Task, Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken));
        }

        if (firstExit.Task.IsCompleted)
        {
            throw new InvalidOperationException($"web server {server.Command[0]} exited at once with code {await firstExit.Task}");
        }

        LogNotListening(logger, identity.Address.ToString(), web.Port, SettleTime.TotalSeconds);
    }

    private async Task SuperviseAsync(HookConfig server, TaskCompletionSource<int> firstExit, CancellationToken stoppingToken)
    {
        var backoff = new LoopBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            Interlocked.Increment(ref _starts);
            int code;
            try
            {
                LogStarting(logger, server.Command[0], Starts);
                var spec = new ProcessSpec(server.Command[0], server.Command.Skip(1).ToList())
                {
                    Environment = server.Environment.ToDictionary(kv => kv.Key, kv => (string?)kv.Value),
                    GracePeriod = config.Node.ShutdownTimeout / 2,
                    OnLine = line => LogOutput(logger, line),
                    MaxCapturedChars = 8 * 1024,
                };
                code = (await processes.RunAsync(spec, stoppingToken, allowFailure: true)).ExitCode;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                LogStopped(logger, server.Command[0]);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStartFailed(logger, server.Command[0], ex);
                code = -1;
            }

            firstExit.TrySetResult(code);
            Exited?.Invoke(code);
            if (time.GetUtcNow() - started > StableAfter)
            {
                backoff.Reset();
            }

            var delay = backoff.NextDelay();
            LogExited(logger, server.Command[0], code, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> AcceptsAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient(identity.Address.AddressFamily);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromMilliseconds(500));
        try
        {
            await client.ConnectAsync(identity.Address, web.Port, attempt.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after every hosted service has stopped (the node has left the registry): stop the server.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Dispose() => _stop.Dispose();

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Starting web server {Program} (start {Count})")]
    private static partial void LogStarting(ILogger logger, string program, int count);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "web server: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Web server {Program} exited with code {ExitCode}; restarting in {DelaySeconds:0.0} s")]
    private static partial void LogExited(ILogger logger, string program, int exitCode, double delaySeconds);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Web server {Program} could not be started")]
    private static partial void LogStartFailed(ILogger logger, string program, Exception exception);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Web server {Program} stopped")]
    private static partial void LogStopped(ILogger logger, string program);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Information, Message = "Web server accepts connections on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 3207, Level = LogLevel.Warning, Message = "Web server runs but did not accept connections on {Address}:{Port} within {Seconds:0} s")]
    private static partial void LogNotListening(ILogger logger, string address, int port, double seconds);
}

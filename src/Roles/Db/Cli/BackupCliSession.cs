using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Aws;
using NodeAgent.Bootstrap;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// What the <c>backup</c> commands share: the node's user-data (validated as for <c>run</c>), and the object store and
/// process runner wired exactly as in the daemon. Disposing it disposes them.
/// </summary>
public sealed class BackupCliSession : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BackupCliSession(BootstrapResult boot, ServiceProvider services, ILoggerFactory loggers)
    {
        Boot = boot;
        _services = services;
        Loggers = loggers;
    }

    public BootstrapResult Boot { get; }

    public AgentConfig Config => Boot.Config;

    public DbSection Db => Config.Section<DbSection>();

    public ILoggerFactory Loggers { get; }

    public IObjectStore Store => _services.GetRequiredService<IObjectStore>();

    public IProcessRunner Processes => _services.GetRequiredService<IProcessRunner>();

    public static async Task<(BackupCliSession? Session, int ExitCode)> OpenAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var loggers = AgentLogging.CreateFactory(LogFormat.Text, parse.GetValue(GlobalOptions.LogLevelOption));
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            loggers.Dispose();
            return (null, (int)code);
        }

        if (boot.Config.SectionOrNull<DbSection>() is null)
        {
            await context.Error.WriteLineAsync($"backup: this node's role is {boot.Config.Role}; backups need a db section");
            loggers.Dispose();
            return (null, (int)ExitCode.Usage);
        }

        var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddLogging()
            .AddObjectStore(boot.Config.Aws)
            .AddProcesses()
            .BuildServiceProvider();
        return (new BackupCliSession(boot, services, loggers), (int)ExitCode.Ok);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Loggers.Dispose();
    }
}

using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Engines;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// What the <c>backup</c> commands share: the node's user-data (validated as for <c>run</c>), and the configured
/// engine's <see cref="IBackupOperations"/> on the object store and process runner wired exactly as in the daemon.
/// Disposing it disposes them.
/// </summary>
public sealed class BackupCliSession : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BackupCliSession(AgentConfig config, ServiceProvider services, ILoggerFactory loggers)
    {
        Config = config;
        _services = services;
        Loggers = loggers;
    }

    public AgentConfig Config { get; }

    public DbSection Db => Config.Section<DbSection>();

    /// <summary>The engine's side of the commands.</summary>
    public IBackupOperations Backups => _services.GetRequiredService<IBackupOperations>();

    public ILoggerFactory Loggers { get; }

    /// <param name="engineFor">Turns the db section into its engine (<c>DbEngines.For</c>).</param>
    public static async Task<(BackupCliSession? Session, int ExitCode)> OpenAsync(
        ParseResult parse, CliContext context, Func<DbSection, IDbEngine> engineFor, CancellationToken cancellationToken)
    {
        var loggers = AgentLogging.CreateFactory(LogFormat.Text, parse.GetValue(GlobalOptions.LogLevelOption));
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            loggers.Dispose();
            return (null, (int)code);
        }

        if (boot.Config.SectionOrNull<DbSection>() is not { } db)
        {
            await context.Error.WriteLineAsync($"backup: this node's role is {boot.Config.Role}; backups need a db section");
            loggers.Dispose();
            return (null, (int)ExitCode.Usage);
        }

        var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(boot.Config)
            .AddSingleton(boot.Identity)
            .AddObjectStore(boot.Config.Aws);
        engineFor(db).AddServices(services);
        return (new BackupCliSession(boot.Config, services.BuildServiceProvider(), loggers), (int)ExitCode.Ok);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Loggers.Dispose();
    }
}

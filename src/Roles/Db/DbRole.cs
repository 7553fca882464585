using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Backup;
using NodeAgent.Configuration;
using NodeAgent.DbHealth;
using NodeAgent.Hosting;

namespace NodeAgent.Roles.Db;

/// <summary>The db role: database health loop and continuous backups to S3.</summary>
public sealed class DbRole : INodeRole
{
    public string Name => "db";

    public string Description => "PostgreSQL/MariaDB health; WAL archiving, base backups and dumps to S3";

    public void ConfigureServices(IServiceCollection services, AgentConfig config)
    {
        var db = config.Db ?? throw new InvalidOperationException("role db requires the db section");
        services.AddDbHealth(db);
        services.AddDbBackups(config);
    }
}

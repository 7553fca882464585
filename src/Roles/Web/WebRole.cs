using System.CommandLine;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Roles.Web.Cli;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Health;
using NodeAgent.Roles.Web.WebServer;

namespace NodeAgent.Roles.Web;

/// <summary>The web role: serves apps, deploys new releases from git/svn on queue nudges, reports its health.</summary>
public sealed class WebRole : NodeRole<WebSection>
{
    /// <summary>The role's name in user-data and registry keys.</summary>
    public const string RoleName = "web";

    public override string Name => RoleName;

    public override string Description => "serves apps; deploys releases on queue messages; HTTP health loop";

    public override IEnumerable<Command> CreateCommands(CliContext context) =>
    [
        DeployCommand.Create(context),
        RollbackCommand.Create(context),
        ReleasesCommand.Create(context),
        PublishKeyCommand.Create(context),
    ];

    protected override WebSection ReadSection(ConfigReader section) => WebSection.Read(section);

    protected override void Configure(RoleBuilder role, WebSection web)
    {
        role.AddDeploys(web);
        role.AddWebServer(web);
        role.AddWebHealth(web);
    }
}

using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Lifecycle;
using NodeAgent.Registry;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Health;

/// <summary>
/// Startup, before registration: puts the web port (<c>ports.http</c>) and the configured apps on the status board, so
/// the first registry entry already tells the lb nodes where to send which app. Releases are filled in by deploys.
/// </summary>
public sealed class AdvertiseWebTask(WebSection web, NodeStatusBoard board) : IStartupTask
{
    public const string HttpPort = "http";

    public int Order => StartupOrder.Registration - 10;

    public string Name => "advertise the web port and apps";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        board.SetPort(HttpPort, web.Port);
        foreach (var app in web.Apps)
        {
            board.EnsureApp(app.Name);
        }

        return Task.CompletedTask;
    }
}

using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;

namespace NodeAgent.Roles.Web.Checkout;

/// <summary>Picks the checkout for an app's repository type; mirrors and scratch files live under the deploy state dir.</summary>
public sealed class SourceCheckouts(IProcessRunner processes, ILoggerFactory loggers)
{
    public ISourceCheckout For(AppConfig app, string stateDir) => app.Repository.Kind switch
    {
        RepositoryKind.Git => new GitCheckout(app, MirrorPath(stateDir, app.Name), ScratchDir(stateDir), loggers.CreateLogger<GitCheckout>()),
        RepositoryKind.Svn => new SvnCheckout(app, processes, ScratchDir(stateDir), loggers.CreateLogger<SvnCheckout>()),
        _ => throw new ArgumentOutOfRangeException(nameof(app), app.Repository.Kind, "unknown repository type"),
    };

    public static string MirrorPath(string stateDir, string app) => Path.Combine(stateDir, "deploy", "mirrors", app + ".git");

    public static string ScratchDir(string stateDir) => Path.Combine(stateDir, "deploy", "tmp");
}

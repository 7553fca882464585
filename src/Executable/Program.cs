using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles;

return await NodeAgentCli.RunAsync(args, new CliContext(BuiltInRoles.Catalog(), Console.Out, Console.Error));

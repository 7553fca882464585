using System.CommandLine;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary><c>nodeagent validate FILE</c>: checks a user-data file and exits 0 or 3, starting nothing.</summary>
public static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "User-data file (YAML, JSON, base64, gzip or multipart MIME)." };
        var command = new Command("validate", "Check a user-data file without starting anything.") { file };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var raw = await new FileUserDataSource(path.FullName).FetchAsync(ct);
                var config = UserDataReader.Read(raw, context.Roles.SectionReaders);
                await context.Out.WriteLineAsync($"{path.FullName}: valid (role {config.Role}, cluster {config.Cluster})");
                return (int)ExitCode.Ok;
            }
            catch (ConfigException ex)
            {
                await context.Error.WriteLineAsync(ex.Message);
                return (int)ExitCode.InvalidConfig;
            }
            catch (UserDataUnavailableException ex)
            {
                await context.Error.WriteLineAsync(ex.Message);
                return (int)ExitCode.UserDataUnavailable;
            }
        });
        return command;
    }
}

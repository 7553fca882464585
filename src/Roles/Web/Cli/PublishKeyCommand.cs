using System.CommandLine;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Security;

namespace NodeAgent.Roles.Web.Cli;

/// <summary>
/// <c>nodeagent publish-key generate --out FILE</c>: makes the cluster's publish key pair (Ed25519). The private half
/// goes to FILE (mode 0600; it signs <c>desired.json</c>, keep it on the publishing machine only); the public half is
/// printed, as it goes into every web node's <c>web.publish_key</c>. <c>nodeagent publish-key show FILE</c> prints
/// the public half of an existing private key. See docs/security.md.
/// </summary>
public static class PublishKeyCommand
{
    public static Command Create(CliContext context)
    {
        var output = new Option<FileInfo>("--out") { Description = "Where to write the private key (PEM, mode 0600); must not exist.", Required = true };
        var generate = new Command("generate", "Make a new publish key pair: the private key to --out, the public key (for web.publish_key) to standard output.") { output };
        generate.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(output)!;
            if (file.Exists)
            {
                await context.Error.WriteLineAsync($"{file.FullName} exists; refusing to overwrite a key");
                return (int)ExitCode.Usage;
            }

            if (OperatingSystem.IsWindows())
            {
                await context.Error.WriteLineAsync("publish-key generate needs a Unix system (the key file is created with mode 0600)");
                return (int)ExitCode.Failure;
            }

            using var key = PublishSigningKey.Generate();
            await using (var stream = new FileStream(file.FullName, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            await using (var writer = new StreamWriter(stream))
            {
                await writer.WriteAsync(key.ToPem());
            }

            await context.Out.WriteLineAsync(key.PublicKey.Text);
            return (int)ExitCode.Ok;
        });

        var keyFile = new Argument<FileInfo>("FILE") { Description = "A private publish key (PEM)." };
        var show = new Command("show", "Print the public key (for web.publish_key) of a private publish key.") { keyFile };
        show.SetAction(async (parse, ct) =>
        {
            try
            {
                using var key = PublishSigningKey.FromFile(parse.GetValue(keyFile)!.FullName);
                await context.Out.WriteLineAsync(key.PublicKey.Text);
                return (int)ExitCode.Ok;
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync(ex.Message);
                return (int)ExitCode.Usage;
            }
        });

        return new Command("publish-key", "The cluster's publish key: the private half signs desired.json, web nodes verify with the public half.") { generate, show };
    }
}

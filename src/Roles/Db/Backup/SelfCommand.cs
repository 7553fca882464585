using System.Reflection;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// How to run this very binary from a PostgreSQL setting (restore_command): the published executable, or
/// <c>dotnet nodeagent.dll</c> when running from a build. Quoted for /bin/sh, which PostgreSQL runs commands with.
/// </summary>
public static class SelfCommand
{
    public static IReadOnlyList<string> Argv()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this process's executable");
        // Under `dotnet`, the entry assembly lies in the app's base directory (a NativeAOT build has no assembly file).
        if (Path.GetFileNameWithoutExtension(process) == "dotnet" && Assembly.GetEntryAssembly()?.GetName().Name is { Length: > 0 } name
            && Path.Combine(AppContext.BaseDirectory, name + ".dll") is var dll && File.Exists(dll))
        {
            return [process, dll];
        }

        return [process];
    }

    /// <summary>A POSIX shell word for <paramref name="value"/>: bare when safe, else single-quoted.</summary>
    public static string ShellQuote(string value)
        => value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c))
            ? value
            : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    public static string ShellLine(IEnumerable<string> argv) => string.Join(' ', argv.Select(ShellQuote));
}

using System.CommandLine;
using NodeAgent.Roles.Db.Postgres;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>Options of the commands PostgreSQL runs (wal-push, wal-fetch): where the agent wrote their settings.</summary>
public static class ArchiveOptions
{
    public static Option<string> Config() => new("--config")
    {
        Description = $"Archive settings written by the agent (default {ArchiveConfigWriter.DefaultPath}).",
        DefaultValueFactory = _ => ArchiveConfigWriter.DefaultPath,
    };
}

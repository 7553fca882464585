using NodeAgent.Configuration;

namespace NodeAgent.Bootstrap;

/// <summary>
/// Raw user-data to a validated <see cref="AgentConfig"/>: unwrap (<see cref="UserDataDecoder"/>), parse and read
/// (<see cref="AgentConfigReader"/>). The one path <c>validate</c>, <c>run</c> and the commands that need the config
/// take; whatever the bytes, it returns a config or throws <see cref="ConfigException"/> with every reason (exit 3).
/// </summary>
public static class UserDataReader
{
    public static AgentConfig Read(RawUserData raw, IReadOnlyCollection<IRoleSectionReader> knownRoles)
    {
        string text;
        try
        {
            text = UserDataDecoder.Decode(raw.Bytes);
        }
        catch (UserDataFormatException ex)
        {
            throw new ConfigException(raw.Source, [new ConfigError(string.Empty, ex.Message)]);
        }

        try
        {
            return AgentConfigReader.Read(text, raw.Source, knownRoles);
        }
        catch (Exception ex) when (ex is not ConfigException and not OutOfMemoryException and not OperationCanceledException)
        {
            // A defect, not the input's fault; still an answer with a reason rather than a stack trace. The fuzz
            // tests fail on this message, so it does not stay hidden.
            throw new ConfigException(raw.Source, [new ConfigError(string.Empty, $"internal error while reading user-data ({ex.GetType().Name}): {ex.Message}")]);
        }
    }
}

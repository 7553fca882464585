using System.Globalization;
using System.Text.Json;

namespace NodeAgent.Testing;

public sealed partial class AgentProcess
{
    /// <summary>
    /// When the agent last logged event <paramref name="eventId"/> with <paramref name="text"/> in the line: the
    /// <c>Timestamp</c> of its JSON log line, or null if it has not (yet).
    /// </summary>
    public DateTimeOffset? LastEventAt(int eventId, string text = "")
    {
        var id = $"\"EventId\":{eventId},";
        foreach (var line in _stdout.Reverse())
        {
            if (line.Contains(id, StringComparison.Ordinal) && line.Contains(text, StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(line);
                return DateTimeOffset.Parse(json.RootElement.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}

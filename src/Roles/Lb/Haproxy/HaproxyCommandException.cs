namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>A runtime API command was refused or answered unexpectedly; carries the command and HAProxy's answer.</summary>
public sealed class HaproxyCommandException(string command, string answer)
    : Exception($"HAProxy refused '{command}': {(answer.Length == 0 ? "(no answer)" : answer)}")
{
    public string Command { get; } = command;

    public string Answer { get; } = answer;
}

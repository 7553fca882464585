namespace NodeAgent.Roles.Web.Deploy;

/// <summary>Another publish for the same app got a higher sequence into the desired state first: this one lost.</summary>
public sealed class PublishSupersededException(string app, long sequence, long desiredSequence)
    : Exception($"the publish of app '{app}' as sequence {sequence} was superseded: the desired state is already at sequence {desiredSequence}")
{
    public long DesiredSequence { get; } = desiredSequence;
}

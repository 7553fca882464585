using Microsoft.Extensions.Logging;
using NodeAgent.AutoScaling;
using NodeAgent.Configuration;

namespace NodeAgent.Instance;

/// <summary>
/// Which Auto Scaling group and hooks this instance answers to: <c>lifecycle.group</c>, <c>launch_hook</c> and
/// <c>termination_hook</c> from user-data, else the instance tags in instance metadata (<c>aws:autoscaling:groupName</c>,
/// which the group sets on every instance it launches, and <c>nodeagent:launch-hook</c> /
/// <c>nodeagent:termination-hook</c>, which the template propagates from the group). Tags need "instance metadata
/// tags" enabled on the launch template. A name that is missing or malformed means no hook: nothing to complete.
/// </summary>
public sealed partial class LifecycleHooks(LifecycleSection settings, InstanceNoticeReader? reader, ILogger logger)
{
    public const string GroupTag = "aws:autoscaling:groupName";
    public const string LaunchHookTag = "nodeagent:launch-hook";
    public const string TerminationHookTag = "nodeagent:termination-hook";

    public Task<LifecycleHookTarget?> LaunchAsync(CancellationToken cancellationToken) => ResolveAsync(settings.LaunchHook, LaunchHookTag, cancellationToken);

    public Task<LifecycleHookTarget?> TerminationAsync(CancellationToken cancellationToken) => ResolveAsync(settings.TerminationHook, TerminationHookTag, cancellationToken);

    private async Task<LifecycleHookTarget?> ResolveAsync(string? configuredHook, string hookTag, CancellationToken cancellationToken)
    {
        var fromTags = new List<string>();
        var group = settings.Group;
        if (group is null && settings.InstanceTags && reader is not null)
        {
            group = await TagAsync(GroupTag, s => LifecycleSection.GroupName().IsMatch(s), cancellationToken);
            fromTags.Add(GroupTag);
        }

        var hook = configuredHook;
        if (hook is null && settings.InstanceTags && reader is not null)
        {
            hook = await TagAsync(hookTag, s => LifecycleSection.HookName().IsMatch(s), cancellationToken);
            fromTags.Add(hookTag);
        }

        if (group is null || hook is null)
        {
            return null;
        }

        return new LifecycleHookTarget(group, hook, fromTags.Count == 0 ? "user-data" : $"instance tags {string.Join(", ", fromTags)}");
    }

    private async Task<string?> TagAsync(string key, Func<string, bool> valid, CancellationToken cancellationToken)
    {
        try
        {
            var value = await reader!.TagAsync(key, cancellationToken);
            if (value is not null && !valid(value))
            {
                LogBadTag(logger, key);
                return null;
            }

            return value;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTagUnreadable(logger, key, ex);
            return null;
        }
    }

    [LoggerMessage(EventId = 7610, Level = LogLevel.Warning, Message = "Lifecycle: the instance tag {Tag} is not a valid name; ignoring it")]
    private static partial void LogBadTag(ILogger logger, string tag);

    [LoggerMessage(EventId = 7611, Level = LogLevel.Warning, Message = "Lifecycle: cannot read the instance tag {Tag} from instance metadata")]
    private static partial void LogTagUnreadable(ILogger logger, string tag, Exception exception);
}

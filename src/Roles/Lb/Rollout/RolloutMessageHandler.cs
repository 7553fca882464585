using NodeAgent.Messaging;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Web.Rollout;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>
/// On an lb node: a <c>rollout</c> nudge (a publish with a plan, or <c>deploy pause|resume|abort</c>). The body is
/// only a hint: it wakes the rollout loop, which reads S3.
/// </summary>
public sealed class RolloutMessageHandler(LbSection lb, RolloutLoop loop) : IMessageHandler
{
    public string MessageType => RolloutMessage.Type;

    public Task<MessageOutcome> HandleAsync(MessageEnvelope message, QueueMessage raw, CancellationToken cancellationToken)
    {
        var (rollout, error) = RolloutMessage.Parse(message.Body);
        if (rollout is null)
        {
            return Task.FromResult(MessageOutcome.Rejected(error!));
        }

        if (lb.Backends.All(b => b.App != rollout.App))
        {
            return Task.FromResult(MessageOutcome.Rejected($"app '{rollout.App}' has no backend on this lb"));
        }

        loop.Wake();
        return Task.FromResult(MessageOutcome.Completed);
    }
}

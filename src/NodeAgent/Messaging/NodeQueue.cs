namespace NodeAgent.Messaging;

/// <summary>This node's own queue, known once the startup task has ensured it.</summary>
public sealed class NodeQueue
{
    private QueueAddress? _address;

    public bool IsReady => _address is not null;

    public QueueAddress Address => _address ?? throw new InvalidOperationException("the node's queue has not been ensured yet");

    internal void Set(QueueAddress address) => _address = address;
}

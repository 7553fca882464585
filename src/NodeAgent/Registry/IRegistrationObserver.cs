namespace NodeAgent.Registry;

/// <summary>
/// Told after this node's registry entry was written, with what was written before. Used for nudges that must follow
/// the write (a web node telling the lb nodes it joined, once they can read it). Must return quickly.
/// </summary>
public interface IRegistrationObserver
{
    void OnPublished(NodeRecord? previous, NodeRecord current);
}

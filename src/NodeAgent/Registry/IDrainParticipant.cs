namespace NodeAgent.Registry;

/// <summary>
/// A step of a graceful stop that must finish while the node still serves: e.g. a web node waiting until every lb
/// node has taken it out of rotation. Runs after the node was marked draining in the registry and before anything
/// stops; all participants run at once, bounded by <see cref="NodeDrain.Bound"/>.
/// </summary>
public interface IDrainParticipant
{
    string Name { get; }

    Task DrainAsync(CancellationToken cancellationToken);
}

namespace NodeAgent.Roles.Db.Replication;

/// <summary>
/// On the old primary of a planned switchover: it stopped taking writes for <see cref="Target"/> (request
/// <see cref="RequestId"/>, epoch <see cref="Epoch"/>) and stays stopped until the target holds the name, or until
/// <see cref="Deadline"/>, after which it serves again if it still holds the name.
/// </summary>
public sealed record PendingSwitchover(string RequestId, string Target, long Epoch, DateTimeOffset Deadline, string? FinalPosition);

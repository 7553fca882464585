namespace NodeAgent.Roles.Db.Health;

/// <summary>Connects to the database and runs <c>SELECT 1</c>; throws when it cannot.</summary>
public interface IDbPing
{
    string Engine { get; }

    Task PingAsync(CancellationToken cancellationToken);
}

namespace NodeAgent.Testing;

/// <summary>
/// The tests that start real PostgreSQL/MariaDB servers (and run the agent once per WAL file) are CPU-heavy. They run
/// in two collections, so at most two of them run at once and the rest of the suite keeps its share of the machine.
/// </summary>
public static class DatabaseServerCollections
{
    public const string A = "database servers A";
    public const string B = "database servers B";
}

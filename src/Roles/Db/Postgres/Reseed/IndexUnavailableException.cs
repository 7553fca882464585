namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>The backup has no usable file index: a re-seed from it must restore everything (into an emptied directory).</summary>
public sealed class IndexUnavailableException(string message) : Exception(message);

namespace NodeAgent.Roles.Db.Postgres.Reseed;

/// <summary>A piece of a file inside one frame: which frame, where in the file, where in the tar, how long.</summary>
public readonly record struct IndexPiece(int Frame, long FileOffset, long TarOffset, int Length);

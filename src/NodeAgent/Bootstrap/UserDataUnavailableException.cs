namespace NodeAgent.Bootstrap;

/// <summary>User-data could not be fetched at all: missing file, or instance metadata unreachable within its bound.</summary>
public sealed class UserDataUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

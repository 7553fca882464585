namespace NodeAgent.Bootstrap;

/// <summary>The user-data bytes could not be unwrapped (bad gzip, MIME without the agent's part, not text).</summary>
public sealed class UserDataFormatException(string message) : Exception(message);

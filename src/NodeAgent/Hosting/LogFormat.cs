namespace NodeAgent.Hosting;

public enum LogFormat
{
    /// <summary>One JSON object per line (the default: journald and log shippers parse it).</summary>
    Json,

    /// <summary>Single-line text for people at a terminal.</summary>
    Text,
}

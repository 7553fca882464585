namespace NodeAgent.Roles.Lb.Configuration;

/// <summary>How the lb applies membership changes to HAProxy.</summary>
public enum LbApplyMode
{
    /// <summary>add/del server through the runtime API; the config file is rewritten for the next reload, not reloaded.</summary>
    RuntimeApi,

    /// <summary>Regenerate the config and reload HAProxy for every change (the comparison baseline; slower).</summary>
    Reload,
}

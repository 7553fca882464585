namespace NodeAgent.Roles.Web.Deploy;

/// <summary>The publisher will not publish: the sequence would leave its bounds, or the desired state cannot be continued. The message says what to do.</summary>
public sealed class PublishRefusedException(string message) : Exception(message);

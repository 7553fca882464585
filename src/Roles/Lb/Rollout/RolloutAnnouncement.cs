using System.Text.Json.Nodes;

namespace NodeAgent.Roles.Lb.Rollout;

/// <summary>An event a step decided to announce: its type, the fact that names it (for the id), a summary and data.</summary>
public sealed record RolloutAnnouncement(string Id, string Type, string Summary, JsonObject Data);

using System.Text.Json.Serialization;

namespace NodeAgent.Messaging;

/// <summary>
/// Source-generated JSON for the small documents written as dictionaries (the message envelope, an SQS redrive
/// policy, a deploy message body): the value types they hold are listed, so no reflection is needed (the installed
/// agent is NativeAOT).
/// </summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
public sealed partial class MessagingJson : JsonSerializerContext;

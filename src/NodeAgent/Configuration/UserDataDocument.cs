using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration;

/// <summary>
/// Parses the agent's user-data text, YAML or JSON, into one mapping node. JSON goes through System.Text.Json so its
/// errors and its string/number distinction are exact; YAML through YamlDotNet's parser events
/// (<see cref="YamlDocumentReader"/>). Both have the same limits: nesting depth (<see cref="MaxDepth"/>), repeated
/// keys, and strings that must be text. Syntax errors carry line and column; no parser exception escapes.
/// </summary>
internal static class UserDataDocument
{
    public const int MaxBytes = 1024 * 1024;

    /// <summary>How deeply mappings and lists may nest, in YAML and in JSON.</summary>
    public const int MaxDepth = 64;

    public static YamlMappingNode? Parse(string text, ConfigErrorList errors)
    {
        if (text.Length > MaxBytes)
        {
            errors.Add(string.Empty, $"document is {text.Length} characters; at most {MaxBytes} are accepted");
            return null;
        }

        var trimmed = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (trimmed.Length == 0)
        {
            errors.Add(string.Empty, "document is empty; expected a YAML or JSON mapping with at least version, role, cluster and aws");
            return null;
        }

        return trimmed[0] is '{' or '[' ? ParseJson(trimmed, errors) : ParseYaml(trimmed, errors);
    }

    private static YamlMappingNode? ParseYaml(string text, ConfigErrorList errors)
    {
        YamlNode? root;
        try
        {
            root = YamlDocumentReader.Read(text);
        }
        catch (YamlLimitException ex)
        {
            errors.Add(string.Empty, $"YAML error at line {ex.At.Line}: {ex.Message}");
            return null;
        }
        catch (YamlException ex)
        {
            var detail = ex.InnerException?.Message ?? ex.Message;
            errors.Add(string.Empty, $"YAML syntax error at line {ex.Start.Line}, column {ex.Start.Column}: {detail}");
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // The parser's other exceptions on malformed input: a rejection with the reason, never a crash.
            errors.Add(string.Empty, $"YAML error: {ex.Message}");
            return null;
        }

        if (root is null)
        {
            errors.Add(string.Empty, "document is empty; expected a YAML or JSON mapping with at least version, role, cluster and aws");
            return null;
        }

        if (root is not YamlMappingNode mapping)
        {
            errors.Add(string.Empty, "expected a mapping at the top level (key: value lines)");
            return null;
        }

        return mapping;
    }

    private static YamlMappingNode? ParseJson(string text, ConfigErrorList errors)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(string.Empty, "expected a JSON object at the top level");
                return null;
            }

            return (YamlMappingNode)Convert(document.RootElement, string.Empty, errors);
        }
        catch (JsonException ex)
        {
            errors.Add(string.Empty, $"JSON syntax error at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message.Split(" Path:")[0]}");
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // GetString and property names throw this for an escaped lone surrogate ("\ud800"): not text.
            errors.Add(string.Empty, $"JSON document holds a string that is not valid Unicode text (an escaped lone surrogate?): {ex.Message}");
            return null;
        }
    }

    private static YamlNode Convert(JsonElement element, string path, ConfigErrorList errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var mapping = new YamlMappingNode();
                foreach (var property in element.EnumerateObject())
                {
                    var key = new YamlScalarNode(property.Name);
                    var childPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (mapping.Children.ContainsKey(key))
                    {
                        errors.Add(childPath, "key appears twice");
                        continue;
                    }

                    mapping.Add(key, Convert(property.Value, childPath, errors));
                }

                return mapping;
            case JsonValueKind.Array:
                var sequence = new YamlSequenceNode();
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    sequence.Add(Convert(item, $"{path}[{i++}]", errors));
                }

                return sequence;
            case JsonValueKind.String:
                return new YamlScalarNode(element.GetString()) { Style = ScalarStyle.DoubleQuoted };
            case JsonValueKind.Null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
            default:
                return new YamlScalarNode(element.GetRawText()) { Style = ScalarStyle.Plain };
        }
    }
}

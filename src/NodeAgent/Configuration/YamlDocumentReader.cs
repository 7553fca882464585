using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration;

/// <summary>
/// Builds the node tree of one YAML document from YamlDotNet's parser events, with the limits YAML itself does not
/// have: nesting depth (<see cref="UserDataDocument.MaxDepth"/>, checked as the events arrive, so a 100,000-level
/// flow collection stops after 65 levels instead of overflowing the stack or running for seconds), a total node
/// count in which every alias counts as the whole subtree it repeats (so an alias "billion laughs" is refused before
/// anything walks it), keys that must be plain strings, and repeated keys, a tagged spelling (<c>!!str role</c>)
/// included. Errors carry the line and column.
/// </summary>
internal sealed class YamlDocumentReader
{
    /// <summary>Nodes a document may hold, aliases counted as what they expand to.</summary>
    public const long MaxNodes = 50_000;

    private const string StrTag = "tag:yaml.org,2002:str";

    private static readonly HashSet<string> StandardTags =
    [
        StrTag, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!",
    ];

    private readonly IParser _parser;
    private readonly Dictionary<string, (YamlNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
    private long _nodes;

    private YamlDocumentReader(string text) => _parser = new Parser(new StringReader(text));

    /// <summary>The document's root node; throws <see cref="YamlLimitException"/> or YamlDotNet's <see cref="YamlException"/>.</summary>
    public static YamlNode? Read(string text) => new YamlDocumentReader(text).ReadStream();

    private YamlNode? ReadStream()
    {
        Expect<StreamStart>();
        YamlNode? root = null;
        var documents = 0;
        while (Next() is DocumentStart)
        {
            documents++;
            if (documents > 1)
            {
                throw new YamlLimitException(_parser.Current!.Start, "expected exactly one YAML document, found more than one");
            }

            Advance();
            root = ReadNode(1).Node;
            if (Next() is not DocumentEnd)
            {
                throw new YamlLimitException(_parser.Current!.Start, "expected the end of the document");
            }

            Advance();
        }

        if (Next() is not StreamEnd)
        {
            throw new YamlLimitException(_parser.Current!.Start, "expected the end of the YAML stream");
        }

        return root;
    }

    private (YamlNode Node, long Size) ReadNode(int depth)
    {
        var current = Next() ?? throw new YamlLimitException(Mark.Empty, "unexpected end of the YAML stream");
        if (depth > UserDataDocument.MaxDepth)
        {
            throw new YamlLimitException(current.Start, $"the document is nested more than {UserDataDocument.MaxDepth} levels deep");
        }

        switch (current)
        {
            case AnchorAlias alias:
                Advance();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw new YamlLimitException(alias.Start, $"alias *{alias.Value.Value} names no anchor before it");
                }

                Count(target.Size, alias.Start);
                return target;
            case Scalar scalar:
            {
                Advance();
                CheckTag(scalar.Tag, scalar.Start);
                Count(1, scalar.Start);
                var node = new YamlScalarNode(scalar.Value) { Style = scalar.Style };
                if (!scalar.Tag.IsEmpty && scalar.Tag.Value != "!")
                {
                    node.Tag = scalar.Tag;
                }

                return Anchor(scalar.Anchor, node, 1);
            }

            case SequenceStart start:
            {
                Advance();
                CheckTag(start.Tag, start.Start);
                Count(1, start.Start);
                var sequence = new YamlSequenceNode { Style = start.Style };
                long size = 1;
                while (Next() is not SequenceEnd)
                {
                    var (child, childSize) = ReadNode(depth + 1);
                    sequence.Add(child);
                    size += childSize;
                }

                Advance();
                return Anchor(start.Anchor, sequence, size);
            }

            case MappingStart start:
            {
                Advance();
                CheckTag(start.Tag, start.Start);
                Count(1, start.Start);
                var mapping = new YamlMappingNode { Style = start.Style };
                long size = 1;
                while (Next() is not MappingEnd)
                {
                    var keyEvent = Next()!;
                    var (key, keySize) = ReadNode(depth + 1);
                    if (key is not YamlScalarNode keyScalar || (!keyScalar.Tag.IsEmpty && keyScalar.Tag.Value != StrTag))
                    {
                        throw new YamlLimitException(keyEvent.Start, "a mapping key must be a plain string");
                    }

                    // A key is its text, whatever its tag or quoting: "!!str role" and "role" are the same key.
                    var name = new YamlScalarNode(keyScalar.Value);
                    var (value, valueSize) = ReadNode(depth + 1);
                    if (mapping.Children.ContainsKey(name))
                    {
                        throw new YamlLimitException(keyEvent.Start, $"key '{SafeText.Escape(keyScalar.Value)}' appears twice in one mapping");
                    }

                    mapping.Add(name, value);
                    size += keySize + valueSize;
                }

                Advance();
                return Anchor(start.Anchor, mapping, size);
            }

            default:
                throw new YamlLimitException(current.Start, $"unexpected YAML event {current.GetType().Name}");
        }
    }

    private (YamlNode Node, long Size) Anchor(AnchorName anchor, YamlNode node, long size)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = (node, size);
        }

        return (node, size);
    }

    private void Count(long nodes, Mark at)
    {
        _nodes += nodes;
        if (_nodes > MaxNodes)
        {
            throw new YamlLimitException(at, $"the document holds more than {MaxNodes} values (aliases count as what they repeat)");
        }
    }

    private static void CheckTag(TagName tag, Mark at)
    {
        if (!tag.IsEmpty && !StandardTags.Contains(tag.Value))
        {
            throw new YamlLimitException(at, $"tag '{SafeText.Escape(tag.Value)}' is not supported (only the standard !!str, !!int, !!float, !!bool, !!null, !!map and !!seq)");
        }
    }

    private ParsingEvent? Next()
    {
        if (_parser.Current is null && !_parser.MoveNext())
        {
            return null;
        }

        return _parser.Current;
    }

    private void Advance() => _parser.MoveNext();

    private void Expect<T>()
        where T : ParsingEvent
    {
        if (Next() is not T)
        {
            throw new YamlLimitException(_parser.Current?.Start ?? Mark.Empty, $"expected {typeof(T).Name}");
        }

        Advance();
    }
}

/// <summary>A YAML document broke one of the reader's limits or rules; carries where.</summary>
internal sealed class YamlLimitException(Mark at, string message) : Exception(message)
{
    public Mark At { get; } = at;
}

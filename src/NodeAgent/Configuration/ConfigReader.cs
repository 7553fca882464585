using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace NodeAgent.Configuration;

/// <summary>
/// Reads one mapping of a configuration document. Every accessor records the key as known, converts the value and,
/// on a bad value, records an error that names the full dotted path and what was expected, then returns a default
/// so reading can go on and collect every problem in one pass. <see cref="Finish"/> reports unknown keys.
/// </summary>
public sealed class ConfigReader
{
    private readonly YamlMappingNode _node;
    private readonly ConfigErrorList _errors;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    internal ConfigReader(YamlMappingNode node, string path, ConfigErrorList errors)
    {
        _node = node;
        Path = path;
        _errors = errors;
    }

    /// <summary>Dotted path of this mapping, e.g. <c>web.apps[0]</c>; empty at the root.</summary>
    public string Path { get; }

    /// <summary>True once any error has been recorded anywhere in the document.</summary>
    public bool HasErrors => _errors.Count > 0;

    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public void Error(string key, string message) => _errors.Add(PathOf(key), message);

    public void ErrorHere(string message) => _errors.Add(Path, message);

    public bool Has(string key)
    {
        _known.Add(key);
        return Get(key) is not null;
    }

    public string? String(string key, bool required = false, string? fallback = null,
        Regex? pattern = null, string? patternHint = null, int maxLength = 4096)
    {
        var scalar = Scalar(key, required, "a string");
        if (scalar is null)
        {
            return fallback;
        }

        var value = scalar.Value ?? string.Empty;
        if (value.Length == 0)
        {
            Error(key, "must not be empty");
            return fallback;
        }

        if (value.Length > maxLength)
        {
            Error(key, $"is {value.Length} characters long; at most {maxLength} are allowed");
            return fallback;
        }

        if (SafeText.Problem(value) is { } problem)
        {
            Error(key, problem);
            return fallback;
        }

        if (pattern is not null && !Names.IsWholeMatch(pattern, value))
        {
            Error(key, $"expected {patternHint ?? "a value matching " + pattern}, got '{Truncate(value)}'");
            return fallback;
        }

        return value;
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
        => OptionalInt(key, min, max) ?? fallback;

    public int? OptionalInt(string key, int min = int.MinValue, int max = int.MaxValue, bool required = false)
    {
        var scalar = Scalar(key, required, $"an integer between {min} and {max}");
        if (scalar is null)
        {
            return null;
        }

        if (!int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(key, $"expected an integer, got '{Truncate(scalar.Value)}'");
            return null;
        }

        if (value < min || value > max)
        {
            Error(key, $"expected an integer between {min} and {max}, got {value}");
            return null;
        }

        return value;
    }

    public bool Bool(string key, bool fallback)
    {
        var scalar = Scalar(key, false, "true or false");
        if (scalar is null)
        {
            return fallback;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE" or "yes" or "on":
                return true;
            case "false" or "False" or "FALSE" or "no" or "off":
                return false;
            default:
                Error(key, $"expected true or false, got '{Truncate(scalar.Value)}'");
                return fallback;
        }
    }

    /// <summary>A duration such as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, or a bare number of seconds.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan? min = null, TimeSpan? max = null)
        => OptionalDuration(key, min, max) ?? fallback;

    public TimeSpan? OptionalDuration(string key, TimeSpan? min = null, TimeSpan? max = null, bool required = false)
    {
        var scalar = Scalar(key, required, "a duration such as 30s");
        if (scalar is null)
        {
            return null;
        }

        if (!DurationParser.TryParse(scalar.Value, out var value))
        {
            Error(key, $"expected a duration such as 500ms, 30s, 5m, 2h or 1d, got '{Truncate(scalar.Value)}'");
            return null;
        }

        if ((min is not null && value < min) || (max is not null && value > max))
        {
            Error(key, $"expected a duration between {DurationParser.Format(min ?? TimeSpan.Zero)} and "
                + $"{(max is null ? "unbounded" : DurationParser.Format(max.Value))}, got {scalar.Value}");
            return null;
        }

        return value;
    }

    /// <summary>A byte size such as <c>512MB</c>, <c>2GiB</c> or a bare number of bytes.</summary>
    public long Size(string key, long fallback, long min = 0, long max = long.MaxValue)
    {
        var scalar = Scalar(key, false, "a size such as 512MB");
        if (scalar is null)
        {
            return fallback;
        }

        if (!SizeParser.TryParse(scalar.Value, out var value))
        {
            Error(key, $"expected a size such as 64MB or 2GiB, got '{Truncate(scalar.Value)}'");
            return fallback;
        }

        if (value < min || value > max)
        {
            Error(key, $"expected a size between {min} and {max} bytes, got {value}");
            return fallback;
        }

        return value;
    }

    /// <summary>One of a fixed set of words. Errors list every allowed word.</summary>
    public T Choice<T>(string key, T fallback, IReadOnlyDictionary<string, T> choices, bool required = false)
        => OptionalChoice(key, choices, required) is { } v ? v : fallback;

    public T? OptionalChoice<T>(string key, IReadOnlyDictionary<string, T> choices, bool required = false)
    {
        var allowed = string.Join(", ", choices.Keys);
        var scalar = Scalar(key, required, $"one of {allowed}");
        if (scalar is null)
        {
            return default;
        }

        if (scalar.Value is { } word && choices.TryGetValue(word, out var value))
        {
            return value;
        }

        Error(key, $"expected one of {allowed}, got '{Truncate(scalar.Value)}'");
        return default;
    }

    public Uri? Url(string key, bool required = false, params string[] schemes)
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (schemes.Length > 0 && !schemes.Contains(uri.Scheme)))
        {
            var expected = schemes.Length == 0 ? "an absolute URL" : $"an absolute {string.Join(" or ", schemes)} URL";
            Error(key, $"expected {expected}, got '{Truncate(text)}'");
            return null;
        }

        return uri;
    }

    public IPAddress? Address(string key, bool required = false)
    {
        var text = String(key, required);
        if (text is null)
        {
            return null;
        }

        if (!Addresses.TryParse(text, out var address))
        {
            Error(key, $"expected {Addresses.AddressHint}, got '{Truncate(text)}'");
            return null;
        }

        return address;
    }

    /// <summary><c>host:port</c>, where host is an IP address.</summary>
    public IPEndPoint? EndPoint(string key, IPEndPoint? fallback = null, bool required = false)
    {
        var text = String(key, required);
        if (text is null)
        {
            return fallback;
        }

        if (!Addresses.TryParseEndPoint(text, out var endpoint))
        {
            Error(key, $"expected {Addresses.EndPointHint}, got '{Truncate(text)}'");
            return fallback;
        }

        return endpoint;
    }

    /// <summary>An absolute file-system path.</summary>
    public string? AbsolutePath(string key, bool required = false, string? fallback = null)
    {
        var text = String(key, required);
        if (text is null)
        {
            return fallback;
        }

        if (!text.StartsWith('/') || text.Contains('\0'))
        {
            Error(key, $"expected an absolute path, got '{Truncate(text)}'");
            return fallback;
        }

        return text;
    }

    /// <summary>
    /// A secret: a plain string, or a mapping <c>{file: /path}</c> or <c>{env: NAME}</c> so the value need not sit
    /// in user-data. Only the reference is read here; <see cref="SecretValue.Reveal"/> resolves it when used.
    /// </summary>
    public SecretValue? Secret(string key, bool required = false)
    {
        _known.Add(key);
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Error(key, "is required (a string, or {file: PATH} or {env: NAME})");
            }

            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            if (string.IsNullOrEmpty(scalar.Value))
            {
                Error(key, "must not be empty");
                return null;
            }

            if (SafeText.Problem(scalar.Value) is { } problem)
            {
                Error(key, problem);
                return null;
            }

            return SecretValue.Literal(scalar.Value);
        }

        if (node is YamlMappingNode mapping)
        {
            var reader = new ConfigReader(mapping, PathOf(key), _errors);
            var file = reader.AbsolutePath("file");
            var env = reader.String("env", pattern: Names.EnvName(), patternHint: Names.EnvNameHint);
            reader.Finish();
            if ((file is null) == (env is null))
            {
                Error(key, "expected exactly one of 'file' or 'env'");
                return null;
            }

            return file is not null ? SecretValue.FromFile(file) : SecretValue.FromEnvironment(env!);
        }

        Error(key, "expected a string, or a mapping {file: PATH} or {env: NAME}");
        return null;
    }

    public ConfigReader? Section(string key, bool required = false)
    {
        _known.Add(key);
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Error(key, "is required (a mapping)");
            }

            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(key, $"expected a mapping, got {Describe(node)}");
            return null;
        }

        return new ConfigReader(mapping, PathOf(key), _errors);
    }

    /// <summary>Reads a section and runs <paramref name="read"/> on it, reporting unknown keys afterwards.</summary>
    public T? Section<T>(string key, Func<ConfigReader, T> read, bool required = false)
        where T : class
    {
        var section = Section(key, required);
        if (section is null)
        {
            return null;
        }

        var value = read(section);
        section.Finish();
        return value;
    }

    /// <summary>A sequence of mappings, each read by <paramref name="read"/>; items are addressed as <c>key[i]</c>.</summary>
    public IReadOnlyList<T> List<T>(string key, Func<ConfigReader, T?> read, bool required = false, int max = 1000)
        where T : class
    {
        var items = Sequence(key, required, max);
        var result = new List<T>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{PathOf(key)}[{i}]";
            if (items[i] is not YamlMappingNode mapping)
            {
                _errors.Add(path, $"expected a mapping, got {Describe(items[i])}");
                continue;
            }

            var reader = new ConfigReader(mapping, path, _errors);
            var value = read(reader);
            reader.Finish();
            if (value is not null)
            {
                result.Add(value);
            }
        }

        return result;
    }

    /// <summary>A list of non-empty strings. <paramref name="allowNewlines"/>: newlines and tabs are allowed (the
    /// arguments of a command the operator wrote, such as a script for <c>sh -c</c>); other control characters never are.</summary>
    public IReadOnlyList<string> StringList(string key, bool required = false, int max = 1000,
        Regex? pattern = null, string? patternHint = null, bool allowNewlines = false)
    {
        var items = Sequence(key, required, max);
        var result = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{PathOf(key)}[{i}]";
            if (items[i] is not YamlScalarNode { Value: { Length: > 0 } value })
            {
                _errors.Add(path, $"expected a non-empty string, got {Describe(items[i])}");
                continue;
            }

            if (value.Length > 65536)
            {
                _errors.Add(path, $"is {value.Length} characters long; at most 65536 are allowed");
                continue;
            }

            if (SafeText.Problem(value, allowNewlines) is { } problem)
            {
                _errors.Add(path, problem);
                continue;
            }

            if (pattern is not null && !Names.IsWholeMatch(pattern, value))
            {
                _errors.Add(path, $"expected {patternHint ?? "a value matching " + pattern}, got '{Truncate(value)}'");
                continue;
            }

            result.Add(value);
        }

        return result;
    }

    /// <summary>A mapping of string to string, e.g. environment variables for a hook.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key, Regex? keyPattern = null, string? keyHint = null)
    {
        var section = Section(key);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (section is null)
        {
            return result;
        }

        foreach (var (k, v) in section._node.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? string.Empty;
            section._known.Add(name);
            if (keyPattern is not null && !Names.IsWholeMatch(keyPattern, name))
            {
                section.Error(name, $"expected {keyHint ?? "a key matching " + keyPattern}");
                continue;
            }

            if (v is not YamlScalarNode scalar)
            {
                section.Error(name, $"expected a string, got {Describe(v)}");
                continue;
            }

            if (SafeText.Problem(scalar.Value ?? string.Empty) is { } problem)
            {
                section.Error(name, problem);
                continue;
            }

            result[name] = scalar.Value ?? string.Empty;
        }

        return result;
    }

    /// <summary>Reports every key of this mapping that no accessor asked for, with a suggestion for near misses.</summary>
    public void Finish()
    {
        foreach (var key in _node.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (_known.Contains(name))
            {
                continue;
            }

            if (!_errors.Accepting)
            {
                // Past the reported errors: count it, without the suggestion search and the list of known keys.
                _errors.Skip();
                continue;
            }

            var suggestion = name.Length > 64 ? null : _known
                .Select(k => (Key: k, Distance: Levenshtein(k, name)))
                .Where(x => x.Distance <= Math.Max(1, name.Length / 3))
                .OrderBy(x => x.Distance)
                .Select(x => x.Key)
                .FirstOrDefault();
            var known = string.Join(", ", _known.Order(StringComparer.Ordinal));
            _errors.Add(PathOf(name), suggestion is null
                ? $"unknown key (expected one of: {known})"
                : $"unknown key (did you mean '{suggestion}'?)");
        }
    }

    private IReadOnlyList<YamlNode> Sequence(string key, bool required, int max)
    {
        _known.Add(key);
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Error(key, "is required (a list)");
            }

            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(key, $"expected a list, got {Describe(node)}");
            return [];
        }

        if (sequence.Children.Count > max)
        {
            Error(key, $"has {sequence.Children.Count} items; at most {max} are allowed");
            return [];
        }

        if (required && sequence.Children.Count == 0)
        {
            Error(key, "must have at least one item");
        }

        return sequence.Children.ToList();
    }

    private YamlScalarNode? Scalar(string key, bool required, string expected)
    {
        _known.Add(key);
        var node = Get(key);
        if (node is null)
        {
            if (required)
            {
                Error(key, $"is required ({expected})");
            }

            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            Error(key, $"expected {expected}, got {Describe(node)}");
            return null;
        }

        return scalar;
    }

    private YamlNode? Get(string key)
    {
        if (!_node.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return null;
        }

        return IsNull(node) ? null : node;
    }

    private static bool IsNull(YamlNode node)
        => node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s
           && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode s => $"'{Truncate(s.Value)}'",
        _ => node.NodeType.ToString(),
    };

    private static string Truncate(string? value) => SafeText.Escape(value);

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using NodeAgent.FileSystem;

namespace NodeAgent.Notifications;

/// <summary>
/// One receiver's persisted queue: <c>&lt;state_dir&gt;/notifications/&lt;receiver-id&gt;/</c> holds one file per event
/// not yet delivered (written atomically and fsynced before <see cref="Enqueue"/> returns, so a restart loses nothing)
/// and <c>ids</c>, the ids queued recently, so an event announced twice (a transition seen again after a restart, or by
/// the node that took over) is queued once. Files that fail validation on load are set aside (<c>.bad</c>) with a
/// logged reason. Past <c>max_queued</c> events the oldest are dropped, logged. Thread-safe.
/// </summary>
public sealed partial class NotificationOutbox
{
    private const int RecentIds = 4096;
    private readonly Lock _lock = new();
    private readonly string _dir;
    private readonly string _idsFile;
    private readonly int _maxQueued;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SortedDictionary<string, OutboxItem> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly Queue<string> _knownOrder = new();
    private int _idLines;
    private long _counter;

    public NotificationOutbox(string directory, int maxQueued, TimeProvider time, ILogger logger)
    {
        _dir = directory;
        _idsFile = Path.Combine(directory, "ids");
        _maxQueued = maxQueued;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(directory);
        Load();
    }

    public string DirectoryPath => _dir;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Queues the event; false when its id was already queued (or delivered) here.</summary>
    public bool Enqueue(NotificationEvent notification)
    {
        lock (_lock)
        {
            if (_known.Contains(notification.Id))
            {
                return false;
            }

            var now = _time.GetUtcNow();
            var name = string.Create(CultureInfo.InvariantCulture, $"{now.UtcDateTime:yyyyMMddTHHmmssfff}-{++_counter % 1_000_000:000000}-{notification.Id}.json");
            var item = new OutboxItem(Path.Combine(_dir, name), notification, 0, now, now, null);
            Write(item);
            _pending[name] = item;
            Remember(notification.Id);
            while (_pending.Count > _maxQueued)
            {
                var oldest = _pending.First();
                Drop(oldest.Key, oldest.Value);
                LogDropped(_logger, oldest.Value.Event.Id, oldest.Value.Event.Type, _maxQueued);
            }

            return true;
        }
    }

    /// <summary>Events whose next attempt is due, oldest first.</summary>
    public IReadOnlyList<OutboxItem> Due(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _pending.Values.Where(i => i.NextAt <= now).ToList();
        }
    }

    /// <summary>When the next attempt is due, or null when nothing waits.</summary>
    public DateTimeOffset? NextDue()
    {
        lock (_lock)
        {
            return _pending.Count == 0 ? null : _pending.Values.Min(i => i.NextAt);
        }
    }

    public void Delivered(OutboxItem item)
    {
        lock (_lock)
        {
            Drop(Path.GetFileName(item.File), item);
        }
    }

    public void GiveUp(OutboxItem item) => Delivered(item);

    public OutboxItem Failed(OutboxItem item, string error, DateTimeOffset nextAt)
    {
        lock (_lock)
        {
            var name = Path.GetFileName(item.File);
            if (!_pending.ContainsKey(name))
            {
                return item;
            }

            var next = item with { Attempts = item.Attempts + 1, NextAt = nextAt, LastError = error.Length > 500 ? error[..500] : error };
            Write(next);
            _pending[name] = next;
            return next;
        }
    }

    private void Drop(string name, OutboxItem item)
    {
        _pending.Remove(name);
        try
        {
            File.Delete(item.File);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, item.File, ex);
        }
    }

    private static void Write(OutboxItem item)
    {
        var json = new JsonObject
        {
            ["event"] = NotificationJson.ToJson(item.Event),
            ["attempts"] = item.Attempts,
            ["queued_at"] = NotificationJson.Stamp(item.QueuedAt),
            ["next_at"] = NotificationJson.Stamp(item.NextAt),
        };
        if (item.LastError is not null)
        {
            json["last_error"] = item.LastError;
        }

        AtomicFile.WriteAllBytes(item.File, System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
    }

    private void Remember(string id)
    {
        _known.Add(id);
        _knownOrder.Enqueue(id);
        while (_knownOrder.Count > RecentIds)
        {
            _known.Remove(_knownOrder.Dequeue());
        }

        try
        {
            if (_idLines >= RecentIds * 2)
            {
                AtomicFile.WriteAllText(_idsFile, string.Join('\n', _knownOrder) + "\n");
                _idLines = _knownOrder.Count;
            }
            else
            {
                File.AppendAllText(_idsFile, id + "\n");
                _idLines++;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogDeleteFailed(_logger, _idsFile, ex);
        }
    }

    private void Load()
    {
        if (File.Exists(_idsFile) && new FileInfo(_idsFile).Length <= 4 * 1024 * 1024)
        {
            foreach (var line in File.ReadLines(_idsFile).TakeLast(RecentIds))
            {
                _idLines++;
                if (NotificationEvent.IsId(line) && _known.Add(line))
                {
                    _knownOrder.Enqueue(line);
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(_dir, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (AtomicFile.IsTempName(name))
            {
                File.Delete(file);
                continue;
            }

            var (item, error) = Read(file);
            if (item is null)
            {
                LogBadFile(_logger, file, error!);
                File.Move(file, file + ".bad", overwrite: true);
                continue;
            }

            _pending[name] = item;
            if (_known.Add(item.Event.Id))
            {
                _knownOrder.Enqueue(item.Event.Id);
            }
        }
    }

    private static (OutboxItem? Item, string? Error) Read(string file)
    {
        try
        {
            if (new FileInfo(file).Length > NotificationJson.MaxBytes * 2)
            {
                return (null, "larger than an outbox entry can be");
            }

            var node = JsonNode.Parse(File.ReadAllBytes(file), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) as JsonObject
                       ?? throw new FormatException("not a JSON object");
            var (notification, error) = NotificationJson.Parse(node["event"]);
            if (notification is null)
            {
                return (null, error);
            }

            var attempts = node["attempts"]?.GetValue<int>() ?? 0;
            DateTimeOffset Stamp(string name) => DateTimeOffset.ParseExact(node[name]?.GetValue<string>() ?? throw new FormatException($"'{name}' is missing"),
                "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var lastError = node["last_error"]?.GetValue<string>();
            return attempts < 0
                ? (null, "negative attempts")
                : (new OutboxItem(file, notification, attempts, Stamp("queued_at"), Stamp("next_at"), lastError), null);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or IOException or ArgumentException)
        {
            return (null, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1851, Level = LogLevel.Warning, Message = "Notifications: dropped event {EventId} ({Type}): the receiver's outbox holds more than {Max} events")]
    private static partial void LogDropped(ILogger logger, string eventId, string type, int max);

    [LoggerMessage(EventId = 1852, Level = LogLevel.Warning, Message = "Notifications: could not update outbox file {File}")]
    private static partial void LogDeleteFailed(ILogger logger, string file, Exception exception);

    [LoggerMessage(EventId = 1853, Level = LogLevel.Warning, Message = "Notifications: outbox file {File} is unusable ({Reason}); set aside as .bad")]
    private static partial void LogBadFile(ILogger logger, string file, string reason);
}

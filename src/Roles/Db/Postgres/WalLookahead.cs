using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Uploads segments PostgreSQL has marked ready (<c>pg_wal/archive_status/*.ready</c>) before it asks for them, so when
/// its archive_command arrives for the next segment the answer is already known. A look-ahead upload is only ever
/// *used* as the answer for the same file, unchanged (same length and modification time), after it succeeded; any
/// doubt and the file is pushed again, which is idempotent. PostgreSQL still marks a segment done only after its own
/// archive_command returned 0.
/// </summary>
public sealed partial class WalLookahead(WalPusher pusher, string walDirectory, int depth, ILogger logger)
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    public int InFlight => _pending.Count;

    /// <summary>Archives <paramref name="fullPath"/>, using a finished look-ahead upload of it when there is one, then looks ahead.</summary>
    public async Task<WalPushResult> PushAsync(string fullPath, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(fullPath);
        WalPushResult? result = null;
        if (_pending.TryRemove(name, out var pending))
        {
            try
            {
                var ahead = await pending.Upload.WaitAsync(cancellationToken);
                var info = new FileInfo(fullPath);
                if (info.Exists && info.Length == pending.Length && info.LastWriteTimeUtc == pending.Modified)
                {
                    result = ahead;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAheadFailed(logger, name, ex);
            }
        }

        result ??= await pusher.PushAsync(fullPath, cancellationToken);
        Schedule(name, cancellationToken);
        return result.Value;
    }

    private void Schedule(string current, CancellationToken cancellationToken)
    {
        if (depth <= 0)
        {
            return;
        }

        var statusDir = Path.Combine(walDirectory, "archive_status");
        string[] ready;
        try
        {
            ready = Directory.EnumerateFiles(statusDir, "*.ready")
                .Select(p => Path.GetFileName(p)[..^".ready".Length])
                .Where(n => WalFileName.TryParse(n, out var f) && f!.Kind == WalFileKind.Segment && n != current)
                .Order(StringComparer.Ordinal)
                .ToArray();
        }
        catch (IOException ex)
        {
            LogScanFailed(logger, statusDir, ex);
            return;
        }

        foreach (var stale in _pending.Keys.Where(k => !ready.Contains(k, StringComparer.Ordinal)).ToList())
        {
            if (_pending.TryGetValue(stale, out var p) && p.Upload.IsCompleted)
            {
                _pending.TryRemove(stale, out _);
            }
        }

        foreach (var name in ready)
        {
            if (_pending.Count >= depth)
            {
                break;
            }

            if (_pending.ContainsKey(name))
            {
                continue;
            }

            var path = Path.Combine(walDirectory, name);
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                continue;
            }

            var upload = Task.Run(() => pusher.PushAsync(path, cancellationToken), cancellationToken);
            _pending[name] = new Pending(upload, info.Length, info.LastWriteTimeUtc);
        }
    }

    private sealed record Pending(Task<WalPushResult> Upload, long Length, DateTime Modified);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Warning, Message = "Look-ahead upload of {Name} failed; pushing it again")]
    private static partial void LogAheadFailed(ILogger logger, string name, Exception exception);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Warning, Message = "Cannot list {Directory} for look-ahead")]
    private static partial void LogScanFailed(ILogger logger, string directory, Exception exception);
}

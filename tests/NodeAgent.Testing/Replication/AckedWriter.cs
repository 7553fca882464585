using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace NodeAgent.Testing.Replication;

/// <summary>
/// A client that inserts ids 1, 2, 3… into <c>acks(id)</c>, one transaction each, and records every id whose commit was
/// acknowledged, to count after a failover which acknowledged transactions the new primary has. Connects through
/// <paramref name="target"/> (asked again after each failure, as a client resolving the writers' name would), stops
/// by itself after <paramref name="maxDuration"/>.
/// </summary>
public sealed class AckedWriter : IAsyncDisposable
{
    private readonly Func<string> _target;
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;
    private readonly ConcurrentQueue<long> _acked = new();
    private long _next;
    private int _failures;

    private AckedWriter(Func<string> target, TimeSpan maxDuration, long firstId)
    {
        _target = target;
        _next = firstId;
        _stop = new CancellationTokenSource(maxDuration);
        _loop = Task.Run(RunAsync);
    }

    public IReadOnlyList<long> Acked => [.. _acked];

    public int Failures => _failures;

    public static Task CreateTableAsync(ReplicationNode primary)
        => primary.ExecAsync("CREATE TABLE acks (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");

    public static AckedWriter Start(Func<string> target, TimeSpan maxDuration, long firstId = 1) => new(target, maxDuration, firstId);

    /// <summary>Waits until at least <paramref name="count"/> ids were acknowledged.</summary>
    public async Task WaitAckedAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (_acked.Count < count)
        {
            Assert.True(clock.Elapsed < timeout, $"only {_acked.Count} of {count} inserts acknowledged within {timeout} ({_failures} failures)");
            await Task.Delay(50);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_target() + ";Timeout=3;Command Timeout=10");
                await connection.OpenAsync(_stop.Token);
                while (!_stop.IsCancellationRequested)
                {
                    var id = _next;
                    await using var insert = new NpgsqlCommand("INSERT INTO acks (id) VALUES (@id)", connection);
                    insert.Parameters.AddWithValue("id", id);
                    await insert.ExecuteNonQueryAsync(_stop.Token);
                    _acked.Enqueue(id);
                    _next++;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or IOException or TimeoutException or InvalidOperationException)
            {
                // An insert whose answer never came may or may not have committed: its id is skipped, never reused.
                Interlocked.Increment(ref _failures);
                _next++;
                if (!_stop.IsCancellationRequested)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }
    }
}

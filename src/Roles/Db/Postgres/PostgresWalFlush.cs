using NodeAgent.Roles.Db.Lifecycle;
using Npgsql;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Forces a WAL switch (<c>pg_switch_wal()</c>) and waits until <c>pg_stat_archiver</c> reports that segment (or a
/// later one) archived: archive_command (the agent's wal-push) only succeeds once S3 has stored it. With no WAL written
/// since the last switch nothing is switched, and the segment named is the last complete one, already on its way.
/// </summary>
public sealed class PostgresWalFlush(PostgresClient client, TimeProvider time) : IArchiveFlush
{
    public async Task<string> FlushAsync(CancellationToken cancellationToken)
    {
        string segment;
        await using (var connection = new NpgsqlConnection(client.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_walfile_name(pg_switch_wal())", connection);
            segment = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        while (true)
        {
            var status = await client.ArchiverAsync(cancellationToken);
            var last = status.LastArchivedWal is { Length: >= 24 } wal ? wal[..24] : string.Empty;
            if (last.Length > 0 && string.CompareOrdinal(last, segment) >= 0)
            {
                return $"WAL segment {segment} archived";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken);
        }
    }
}

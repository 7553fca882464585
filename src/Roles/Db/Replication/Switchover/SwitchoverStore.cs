using System.Text.Json;
using System.Text.Json.Serialization;
using NodeAgent.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Replication.Switchover;

/// <summary>The switchover records in S3 (<see cref="SwitchoverRecord"/>): written whole, read back size-bounded and checked.</summary>
public sealed class SwitchoverStore(IObjectStore store)
{
    private const int MaxBytes = 8192;

    public static string Key(string cluster, string requestId, string side) => $"{cluster}/db/switchovers/{requestId}/{side}.json";

    public async Task PutAsync(string cluster, string side, SwitchoverRecord record, CancellationToken cancellationToken)
        => await store.PutAsync(Key(cluster, record.RequestId, side), JsonSerializer.SerializeToUtf8Bytes(record, SwitchoverJson.Default.SwitchoverRecord),
            new PutOptions { ContentType = "application/json" }, cancellationToken);

    /// <summary>The record, or null when there is none; an unusable object is reported as an error.</summary>
    public async Task<SwitchoverRecord?> GetAsync(string cluster, string requestId, string side, CancellationToken cancellationToken)
    {
        var key = Key(cluster, requestId, side);
        var stored = await store.GetAsync(key, MaxRecordBytes, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        if (stored.Content.Length > MaxBytes)
        {
            throw new InvalidDataException($"{key} is {stored.Content.Length} bytes; at most {MaxBytes} are accepted");
        }

        SwitchoverRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(stored.Content, SwitchoverJson.Default.SwitchoverRecord);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{key} is not a switchover record: {ex.Message.Split(" Path:")[0]}", ex);
        }

        return record is not null && record.RequestId == requestId && Names.IsNodeId(record.Node) && SwitchoverRecord.States.Contains(record.State)
               && record.Detail.Length <= 1000 && (record.Position?.Length ?? 0) <= 200
            ? record
            : throw new InvalidDataException($"{key} does not describe request {requestId} as a switchover record should");
    }

    /// <summary>A switchover record is a few hundred bytes; anything larger is not one of ours and is not read.</summary>
    private const long MaxRecordBytes = 64 * 1024;
}

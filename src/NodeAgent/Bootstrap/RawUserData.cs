namespace NodeAgent.Bootstrap;

/// <summary>User-data as fetched, before decoding, with where it came from and, on EC2, the instance's metadata.</summary>
public sealed record RawUserData(byte[] Bytes, string Source, InstanceMetadata? Metadata);

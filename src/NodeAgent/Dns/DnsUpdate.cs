namespace NodeAgent.Dns;

/// <summary>
/// Replace the A and TXT records at <see cref="Name"/> with <see cref="Desired"/> (an empty set deletes them), with
/// <see cref="Ttl"/>, if <see cref="Precondition"/> holds.
/// </summary>
public sealed record DnsUpdate(string Name, DnsPrecondition Precondition, DnsRecordSet Desired, int Ttl);

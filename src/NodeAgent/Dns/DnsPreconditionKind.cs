namespace NodeAgent.Dns;

public enum DnsPreconditionKind
{
    None,
    Absent,
    Exactly,
}

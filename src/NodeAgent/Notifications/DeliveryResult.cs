namespace NodeAgent.Notifications;

/// <summary>How one delivery attempt ended: delivered, worth retrying, or refused for good (never retried).</summary>
public sealed record DeliveryResult(bool Delivered, bool Permanent, string Detail)
{
    public static DeliveryResult Ok(string detail) => new(true, false, detail);

    public static DeliveryResult Retry(string detail) => new(false, false, detail);

    public static DeliveryResult Refused(string detail) => new(false, true, detail);
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace NodeAgent.Configuration;

/// <summary>
/// Strict parsing of addresses, endpoints and CIDR blocks from untrusted text. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// accepts forms nobody means (<c>'10'</c> is 0.0.0.10, <c>'2130706433'</c> is 127.0.0.1, octal and hex parts):
/// here IPv4 is a canonical dotted quad (four decimal parts 0–255 without leading zeros), IPv6 is a literal without a
/// zone, and an endpoint is <c>address:port</c> (<c>[v6]:port</c>) with a port of 1–65535.
/// </summary>
public static partial class Addresses
{
    public const string AddressHint = "an IPv4 or IPv6 address (IPv4 as a dotted quad such as 10.0.0.5)";

    public const string EndPointHint = "address:port such as 127.0.0.1:9780 (or [::1]:9780)";

    public const string CidrHint = "a CIDR block such as 10.0.0.0/16";

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text is null || text.Length is 0 or > 45)
        {
            return false;
        }

        if (DottedQuad().IsMatch(text))
        {
            address = IPAddress.Parse(text);
            return true;
        }

        if (Ipv6Text().IsMatch(text) && IPAddress.TryParse(text, out var v6)
            && v6.AddressFamily == AddressFamily.InterNetworkV6 && v6.ScopeId == 0)
        {
            address = v6;
            return true;
        }

        return false;
    }

    public static bool IsAddress(string? text) => TryParse(text, out _);

    /// <summary><c>address:port</c> or <c>[v6]:port</c>, port 1–65535 in plain decimal.</summary>
    public static bool TryParseEndPoint([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (text is null)
        {
            return false;
        }

        var match = EndPointText().Match(text);
        if (!match.Success || !TryParsePort(match.Groups["port"].Value, out var port))
        {
            return false;
        }

        var host = match.Groups["v6"].Success ? match.Groups["v6"].Value : match.Groups["v4"].Value;
        if (!TryParse(host, out var address) || (match.Groups["v6"].Success != (address.AddressFamily == AddressFamily.InterNetworkV6)))
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>A CIDR block whose address is canonical and has no bits set past the prefix.</summary>
    public static bool TryParseCidr([NotNullWhen(true)] string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/') ?? -1;
        if (text is null || slash <= 0 || !TryParse(text[..slash], out var address))
        {
            return false;
        }

        var prefix = text[(slash + 1)..];
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!PrefixText().IsMatch(prefix) || !int.TryParse(prefix, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > max)
        {
            return false;
        }

        try
        {
            network = new IPNetwork(address, length);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static bool TryParsePort(string? text, out int port)
    {
        port = 0;
        return text is not null && PortText().IsMatch(text)
               && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;
    }

    [GeneratedRegex(@"\A(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\z")]
    private static partial Regex DottedQuad();

    [GeneratedRegex(@"\A[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\z")]
    private static partial Regex Ipv6Text();

    [GeneratedRegex(@"\A(?:\[(?<v6>[0-9A-Fa-f:.]{2,45})\]|(?<v4>[0-9.]{7,15})):(?<port>[0-9]{1,5})\z")]
    private static partial Regex EndPointText();

    [GeneratedRegex(@"\A[1-9][0-9]{0,4}\z")]
    private static partial Regex PortText();

    [GeneratedRegex(@"\A(?:0|[1-9][0-9]{0,2})\z")]
    private static partial Regex PrefixText();
}

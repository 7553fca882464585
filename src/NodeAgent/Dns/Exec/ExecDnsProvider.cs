using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;

namespace NodeAgent.Dns.Exec;

/// <summary>
/// Any other DNS service, through a user-supplied command (<c>dns.exec.command</c>, an argument list) run with
/// <see cref="IProcessRunner"/>. The contract (docs/dns.md, "exec contract"):
/// <list type="bullet">
/// <item><c>COMMAND… read NAME</c>: print the name's records, one per line: <c>A &lt;address&gt;</c>, <c>TXT &lt;text&gt;</c>,
/// optionally <c>TTL &lt;seconds&gt;</c>; print nothing when the name does not exist. Exit 0.</item>
/// <item><c>COMMAND… update NAME</c>: read the request from standard input, one item per line: <c>ttl N</c>,
/// <c>precondition none|absent|exactly</c>, then <c>expect-a</c>/<c>expect-txt</c> lines (for <c>exactly</c>) and
/// <c>a</c>/<c>txt</c> lines (the desired records). Apply it atomically. Exit 0 when applied, 3 when the precondition
/// did not hold (nothing changed), 75 for a temporary failure, anything else for an error (stderr says why).</item>
/// </list>
/// Both get <c>NODEAGENT_DNS_ZONE</c>, <c>NODEAGENT_DNS_NAME</c> and <c>NODEAGENT_DNS_OPERATION</c> in the environment.
/// </summary>
public sealed partial class ExecDnsProvider(string zone, ExecProviderConfig config, IProcessRunner runner, ILogger<ExecDnsProvider> logger) : IDnsProvider
{
    public const int ExitPreconditionFailed = 3;
    public const int ExitTemporaryFailure = 75;

    public string Zone { get; } = zone.TrimEnd('.').ToLowerInvariant();

    public string Description => $"exec {config.Command[0]}";

    public async Task<DnsRecordSet> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var result = await RunAsync("read", name, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw Failed("read", name, result);
        }

        var addresses = new List<IPAddress>();
        var texts = new List<string>();
        var ttl = 0;
        foreach (var raw in result.StandardOutput.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var space = line.IndexOf(' ');
            var (key, value) = space < 0 ? (line, string.Empty) : (line[..space], line[(space + 1)..]);
            switch (key)
            {
                case "A" when IPAddress.TryParse(value.Trim(), out var address):
                    addresses.Add(address);
                    break;
                case "TXT":
                    texts.Add(value);
                    break;
                case "TTL" when int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds):
                    ttl = seconds;
                    break;
                default:
                    throw new DnsProviderException(DnsFailure.Protocol,
                        $"{config.Command[0]} read {name} printed '{Truncate(line)}'; expected lines 'A <address>', 'TXT <text>' or 'TTL <seconds>' (see docs/dns.md)");
            }
        }

        return new DnsRecordSet { Addresses = addresses, Texts = texts, Ttl = ttl };
    }

    public async Task<DnsUpdateResult> UpdateAsync(DnsUpdate update, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"ttl {update.Ttl}\n");
        request.Append("precondition ").Append(update.Precondition.Kind.ToString().ToLowerInvariant()).Append('\n');
        if (update.Precondition.Expected is { } expected)
        {
            AppendRecords(request, "expect-", expected);
        }

        AppendRecords(request, string.Empty, update.Desired);
        var result = await RunAsync("update", update.Name, request.ToString(), cancellationToken);
        var outcome = result.ExitCode switch
        {
            0 => DnsUpdateResult.Applied,
            ExitPreconditionFailed => DnsUpdateResult.PreconditionFailed,
            _ => throw Failed("update", update.Name, result),
        };
        LogUpdate(logger, config.Command[0], update.Name, outcome);
        return outcome;
    }

    private static void AppendRecords(StringBuilder request, string prefix, DnsRecordSet records)
    {
        foreach (var address in records.Addresses)
        {
            request.Append(prefix).Append("a ").Append(address).Append('\n');
        }

        foreach (var text in records.Texts)
        {
            if (text.Contains('\n') || text.Contains('\r'))
            {
                throw new ArgumentException("a TXT value for the exec provider must be one line", nameof(records));
            }

            request.Append(prefix).Append("txt ").Append(text).Append('\n');
        }
    }

    private async Task<ProcessResult> RunAsync(string operation, string name, string? input, CancellationToken cancellationToken)
    {
        var fqdn = name.TrimEnd('.').ToLowerInvariant();
        if (fqdn != Zone && !fqdn.EndsWith("." + Zone, StringComparison.Ordinal))
        {
            throw new DnsProviderException(DnsFailure.Refused, $"{name} is not inside zone {Zone}");
        }

        using var stdin = input is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(input));
        var spec = new ProcessSpec(config.Command[0], [.. config.Command.Skip(1), operation, fqdn])
        {
            Environment = new Dictionary<string, string?>
            {
                ["NODEAGENT_DNS_ZONE"] = Zone,
                ["NODEAGENT_DNS_NAME"] = fqdn,
                ["NODEAGENT_DNS_OPERATION"] = operation,
            },
            StandardInput = stdin,
            Timeout = config.Timeout,
            GracePeriod = TimeSpan.FromSeconds(2),
        };
        try
        {
            return await runner.RunAsync(spec, cancellationToken, allowFailure: true);
        }
        catch (ProcessFailedException ex)
        {
            throw new DnsProviderException(ex.TimedOut ? DnsFailure.Unreachable : DnsFailure.Refused,
                $"dns.exec command {operation} {fqdn}: {ex.Message}", ex);
        }
    }

    private DnsProviderException Failed(string operation, string name, ProcessResult result)
    {
        var stderr = result.StandardError.Trim();
        var tail = stderr.Length == 0 ? string.Empty : $": {(stderr.Length > 500 ? "…" + stderr[^500..] : stderr)}";
        var kind = result.ExitCode == ExitTemporaryFailure ? DnsFailure.ServerError : DnsFailure.Refused;
        return new DnsProviderException(kind, $"dns.exec command {config.Command[0]} {operation} {name} exited with code {result.ExitCode}{tail}");
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..77] + "...";

    [LoggerMessage(EventId = 5080, Level = LogLevel.Debug, Message = "DNS exec {Command} update {Name}: {Result}")]
    private static partial void LogUpdate(ILogger logger, string command, string name, DnsUpdateResult result);
}

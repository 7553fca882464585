using System.Diagnostics;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;

namespace NodeAgent.Dns.Rfc2136;

/// <summary>
/// RFC 2136 dynamic update signed with TSIG (RFC 8945), through ARSoft.Tools.Net, over TCP to the zone's primary.
/// The compare-and-swap is the update's prerequisite section: "name is not in use" for a first claim, the
/// value-dependent "RRset exists" (or "RRset does not exist") for A and TXT for everything else. The server applies
/// prerequisites and updates atomically. Queries and updates are both signed, and every answer's TSIG is checked
/// here: the library computes a validation result but hands back answers whose signature does not verify.
/// </summary>
public sealed partial class Rfc2136Provider : IDnsProvider, IDisposable
{
    private static readonly TimeSpan Fudge = TimeSpan.FromSeconds(300);

    private readonly Rfc2136Config _config;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DomainName _zone;
    private readonly DomainName _keyName;
    private readonly TSigAlgorithm _algorithm;
    private readonly DnsClient _client;

    // One request at a time: the library's pooled TCP connections lose answers when requests overlap.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Rfc2136Provider(string zone, Rfc2136Config config, TimeSpan timeout, TimeProvider time, ILogger<Rfc2136Provider> logger)
    {
        Zone = zone.TrimEnd('.').ToLowerInvariant();
        _config = config;
        _timeout = timeout;
        _time = time;
        _logger = logger;
        _zone = DomainName.Parse(Zone);
        _keyName = DomainName.Parse(config.KeyName.TrimEnd('.'));
        _algorithm = config.KeyAlgorithm switch
        {
            "hmac-sha256" => TSigAlgorithm.Sha256,
            "hmac-sha512" => TSigAlgorithm.Sha512,
            _ => throw new ArgumentException($"unsupported TSIG algorithm {config.KeyAlgorithm}", nameof(config)),
        };

        // TCP only: one connection, one answer. Over UDP the library would fall back to TCP after a timeout and send
        // the same update twice, which turns "applied, answer lost" into a misleading "precondition failed".
        _client = new DnsClient([config.Server], [new TcpClientTransport(config.Port)], true, (int)timeout.TotalMilliseconds);
    }

    public string Zone { get; }

    public string Description => $"rfc2136 {Server} (zone {Zone}, key {_config.KeyName})";

    private string Server => new IPEndPoint(_config.Server, _config.Port).ToString();

    public async Task<DnsRecordSet> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var domain = Domain(name);
        var addresses = await QueryAsync(domain, RecordType.A, cancellationToken);
        var texts = await QueryAsync(domain, RecordType.Txt, cancellationToken);
        var a = addresses.AnswerRecords.OfType<ARecord>().Where(r => r.Name.Equals(domain, true)).ToList();
        var t = texts.AnswerRecords.OfType<TxtRecord>().Where(r => r.Name.Equals(domain, true)).ToList();
        return new DnsRecordSet
        {
            Addresses = a.Select(r => r.Address).ToList(),
            Texts = t.Select(r => string.Concat(r.TextParts)).ToList(),
            Ttl = a.Select(r => r.TimeToLive).Concat(t.Select(r => r.TimeToLive)).FirstOrDefault(),
        };
    }

    public async Task<DnsUpdateResult> UpdateAsync(DnsUpdate update, CancellationToken cancellationToken)
    {
        var domain = Domain(update.Name);
        var message = new DnsUpdateMessage { ZoneName = _zone };
        switch (update.Precondition.Kind)
        {
            case DnsPreconditionKind.Absent:
                message.Prequisites.Add(new NameIsNotInUsePrequisite(domain));
                break;
            case DnsPreconditionKind.Exactly:
                var expected = update.Precondition.Expected!;
                AddRRsetPrerequisite(message, domain, RecordType.A, expected.Addresses.Select(a => (DnsRecordBase)new ARecord(domain, 0, a)));
                AddRRsetPrerequisite(message, domain, RecordType.Txt, expected.Texts.Select(t => (DnsRecordBase)new TxtRecord(domain, 0, t)));
                break;
        }

        message.Updates.Add(new DeleteAllRecordsUpdate(domain, RecordType.A));
        message.Updates.Add(new DeleteAllRecordsUpdate(domain, RecordType.Txt));
        foreach (var address in update.Desired.Addresses)
        {
            message.Updates.Add(new AddRecordUpdate(new ARecord(domain, update.Ttl, address)));
        }

        foreach (var text in update.Desired.Texts)
        {
            message.Updates.Add(new AddRecordUpdate(new TxtRecord(domain, update.Ttl, text)));
        }

        Sign(message);
        var response = await SendAsync(message, m => _client.SendUpdateAsync(m, cancellationToken), "update", cancellationToken);
        VerifySignature(message, response, "update");
        var result = response.ReturnCode switch
        {
            ReturnCode.NoError => DnsUpdateResult.Applied,
            ReturnCode.YXDomain or ReturnCode.YXRRSet or ReturnCode.NxDomain or ReturnCode.NXRRSet => DnsUpdateResult.PreconditionFailed,
            var code => throw Failure(code, $"update of {update.Name}"),
        };
        LogUpdate(_logger, update.Name, update.Precondition.ToString(), update.Desired.ToString(), result);
        return result;
    }

    public void Dispose()
    {
        ((IDisposable)_client).Dispose();
        _gate.Dispose();
    }

    private static void AddRRsetPrerequisite(DnsUpdateMessage message, DomainName domain, RecordType type, IEnumerable<DnsRecordBase> records)
    {
        var list = records.ToList();
        if (list.Count == 0)
        {
            message.Prequisites.Add(new RecordNotExistsPrequisite(domain, type));
            return;
        }

        foreach (var record in list)
        {
            message.Prequisites.Add(new RecordExistsValueDependantPrequisite(record));
        }
    }

    private async Task<DnsMessage> QueryAsync(DomainName name, RecordType type, CancellationToken cancellationToken)
    {
        var query = new DnsMessage { IsQuery = true, IsRecursionDesired = false };
        query.Questions.Add(new DnsQuestion(name, type, RecordClass.INet));
        Sign(query);
        var response = await SendAsync(query, m => _client.SendMessageAsync(m, cancellationToken), $"query for {name} {type}", cancellationToken);
        VerifySignature(query, response, $"query for {name} {type}");
        return response.ReturnCode is ReturnCode.NoError or ReturnCode.NxDomain
            ? response
            : throw Failure(response.ReturnCode, $"query for {name} {type}");
    }

    private void Sign(DnsMessageBase message)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(_config.KeySecret.Reveal());
        }
        catch (FormatException ex)
        {
            throw new DnsProviderException(DnsFailure.Authentication,
                $"dns.rfc2136.key_secret {_config.KeySecret} is not base64 (tsig-keygen prints the secret in base64)", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new DnsProviderException(DnsFailure.Authentication, $"dns.rfc2136.key_secret: {ex.Message}", ex);
        }

        message.TSigOptions = new TSigRecord(_keyName, _algorithm, _time.GetUtcNow().UtcDateTime, Fudge, message.TransactionID, ReturnCode.NoError, null, key);
    }

    private async Task<TMessage> SendAsync<TMessage>(TMessage message, Func<TMessage, Task<TMessage?>> send, string what, CancellationToken cancellationToken)
        where TMessage : DnsMessageBase
    {
        TMessage? response;
        await _gate.WaitAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(_timeout + TimeSpan.FromSeconds(1));
            response = await send(message).WaitAsync(bound.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            response = null;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            throw new DnsProviderException(DnsFailure.Unreachable, $"{what}: cannot reach the DNS server {Server}: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }

        if (response is null)
        {
            var why = clock.Elapsed < _timeout
                ? "the connection was refused or closed (is the server running and listening on TCP?)"
                : $"no answer within {DurationParser.Format(_timeout)}";
            throw new DnsProviderException(DnsFailure.Unreachable, $"{what}: no answer from the DNS server {Server}: {why}");
        }

        return response;
    }

    /// <summary>
    /// Accepts an answer only when it carries a TSIG record, made with our key and algorithm, for our request, that
    /// verifies against our key and that reports no error with our own signature.
    /// </summary>
    private void VerifySignature(DnsMessageBase request, DnsMessageBase response, string what)
    {
        var tsig = response.TSigOptions;
        if (tsig is null)
        {
            var detail = response.ReturnCode is ReturnCode.NotAuthoritive or ReturnCode.Refused
                ? $"it refused the request ({Rcode(response.ReturnCode)}) without signing its answer: the TSIG key '{_config.KeyName}' is probably unknown to the server or its secret differs"
                : $"its answer ({Rcode(response.ReturnCode)}) carries no TSIG signature; an unauthenticated answer is not trusted";
            throw new DnsProviderException(DnsFailure.Authentication, $"{what}: the DNS server {Server} did not authenticate: {detail}");
        }

        if (tsig.Error != ReturnCode.NoError)
        {
            var detail = tsig.Error switch
            {
                ReturnCode.BadSig => $"the secret of key '{_config.KeyName}' does not match the server's (check dns.rfc2136.key_secret)",
                ReturnCode.BadKey => $"the server has no key '{_config.KeyName}' with algorithm {_config.KeyAlgorithm} (check dns.rfc2136.key_name and key_algorithm)",
                ReturnCode.BadTime => "the clocks of this node and the server differ by more than 5 minutes (check NTP)",
                var other => $"TSIG error {other}",
            };
            throw new DnsProviderException(DnsFailure.Authentication,
                $"{what}: the DNS server {Server} rejected our TSIG signature ({Rcode(tsig.Error)}): {detail}");
        }

        if (tsig.ValidationResult != ReturnCode.NoError)
        {
            throw new DnsProviderException(DnsFailure.Authentication,
                $"{what}: the answer from {Server} has a TSIG signature that does not verify with key '{_config.KeyName}' ({Rcode(tsig.ValidationResult)}); it was corrupted or forged and is ignored");
        }

        if (!tsig.Name.Equals(_keyName, true) || tsig.Algorithm != _algorithm || tsig.OriginalID != request.TransactionID)
        {
            throw new DnsProviderException(DnsFailure.Authentication,
                $"{what}: the answer from {Server} is signed with key '{tsig.Name}' ({tsig.Algorithm}) for request {tsig.OriginalID}, not with '{_config.KeyName}' for request {request.TransactionID}");
        }
    }

    private DnsProviderException Failure(ReturnCode code, string what) => code switch
    {
        ReturnCode.ServerFailure => new DnsProviderException(DnsFailure.ServerError, $"{what}: the DNS server {Server} answered SERVFAIL"),
        ReturnCode.Refused => new DnsProviderException(DnsFailure.Refused,
            $"{what}: the DNS server {Server} refused it (REFUSED): key '{_config.KeyName}' may not change this name (check the zone's update-policy or allow-update)"),
        ReturnCode.NotZone => new DnsProviderException(DnsFailure.Refused, $"{what}: the name is not inside zone {Zone} (NOTZONE)"),
        ReturnCode.NotAuthoritive => new DnsProviderException(DnsFailure.Refused,
            $"{what}: the DNS server {Server} is not authoritative for zone {Zone} (NOTAUTH); point dns.rfc2136.server at the zone's primary"),
        _ => new DnsProviderException(DnsFailure.Protocol, $"{what}: the DNS server {Server} answered {Rcode(code)}"),
    };

    private DomainName Domain(string name)
    {
        var domain = DomainName.Parse(name.TrimEnd('.').ToLowerInvariant());
        return domain.IsEqualOrSubDomainOf(_zone)
            ? domain
            : throw new DnsProviderException(DnsFailure.Refused, $"{name} is not inside zone {Zone}");
    }

    private static string Rcode(ReturnCode code) => code switch
    {
        ReturnCode.NotAuthoritive => "NOTAUTH",
        ReturnCode.ServerFailure => "SERVFAIL",
        ReturnCode.NxDomain => "NXDOMAIN",
        ReturnCode.BadSig => "BADSIG",
        ReturnCode.BadKey => "BADKEY",
        ReturnCode.BadTime => "BADTIME",
        var other => other.ToString().ToUpperInvariant(),
    };

    [LoggerMessage(EventId = 5060, Level = LogLevel.Debug, Message = "DNS update of {Name} (precondition {Precondition}) to {Desired}: {Result}")]
    private static partial void LogUpdate(ILogger logger, string name, string precondition, string desired, DnsUpdateResult result);
}

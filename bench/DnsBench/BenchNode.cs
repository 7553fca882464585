using System.Net;
using System.Text.Json;
using NodeAgent.Testing;

namespace NodeAgent.Bench.Dns;

/// <summary>One lb node of the benchmark: the real agent binary (which runs its HAProxy), its user-data and its log file.</summary>
public sealed class BenchNode(string id, IPAddress address, string userData, string stateDir, string log) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private AgentProcess? _agent;

    public string Id { get; } = id;

    public IPAddress Address { get; } = address;

    public string Log { get; } = log;

    /// <summary>Starts the agent (its output appended to <see cref="Log"/>) and waits until its /healthz says ready.</summary>
    public async Task StartAsync()
    {
        _agent = AgentProcess.Start(["run", "--user-data", userData], new AgentStartOptions { LogFile = Log });
        await _agent.WaitReadyAsync(StatusEndpoint.Healthz(Address), TimeSpan.FromSeconds(60));
    }

    /// <summary>The node dies: SIGKILL to the agent and to its HAProxy (no release, no deregistration, no proxy).</summary>
    public async Task KillAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
            _agent = null;
        }

        OrphanedHaproxy.KillUnder(stateDir);
    }

    public async Task<bool> ReadyAsync()
    {
        try
        {
            using var response = await Http.GetAsync(StatusEndpoint.Healthz(Address));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async Task<string?> FailoverDetailAsync()
    {
        try
        {
            var health = JsonDocument.Parse(await Http.GetStringAsync(StatusEndpoint.Healthz(Address))).RootElement;
            return health.GetProperty("checks").GetProperty("failover").GetProperty("detail").GetString();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}

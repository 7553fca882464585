using NodeAgent.Configuration;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Web.Membership;

namespace NodeAgent.Roles.Lb.Haproxy;

public sealed partial class LbMembershipService
{
    private static readonly TimeSpan DeleteRetryFor = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>Plans against HAProxy's running state and applies the plan. Caller holds the gate.</summary>
    private async Task ReconcileLockedAsync(CancellationToken cancellationToken, IReadOnlyList<ServerState>? running = null)
    {
        running ??= HaproxyOutputParser.ServersState(await _runtime.DumpServersStateAsync(cancellationToken));
        IReadOnlySet<ServerKey> leaving;
        lock (_leaving)
        {
            leaving = _leaving.Keys.ToHashSet();
        }

        var plan = MembershipPlanner.Plan(_desired.Servers, running, _files.Membership, leaving, _heldByUs, _damper, _time.GetUtcNow());
        if (!plan.IsEmpty)
        {
            LogPlan(_logger, plan.ToString());
            if (_lb.Apply == LbApplyMode.Reload)
            {
                await ApplyByReloadAsync(plan, running, cancellationToken);
            }
            else
            {
                await ApplyLiveAsync(plan, running, cancellationToken);
            }

            foreach (var leaver in plan.Leaves)
            {
                StartLeave(leaver);
            }
        }
        else if (_lb.Apply == LbApplyMode.RuntimeApi && !_files.Membership.SameServersAs(running))
        {
            // HAProxy runs other servers than the config says (a reload of an older file, a restart): write what runs.
            await PersistLockedAsync(cancellationToken);
        }

        await AcknowledgeDrainedLockedAsync(running, cancellationToken);
    }

    /// <summary>
    /// Runtime API apply. The config is written first (write-ahead): if the agent dies between the two, a restarted
    /// HAProxy still gets the new server from the file, and a server that a reload already brought in is just enabled.
    /// </summary>
    private async Task ApplyLiveAsync(MembershipPlan plan, IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        if (plan.Joins.Count + plan.Moves.Count > 0)
        {
            var membership = HaproxyMembership.FromRunning(running);
            foreach (var server in plan.Joins.Concat(plan.Moves))
            {
                membership = membership.With(server);
            }

            _files.Write(membership);
        }

        foreach (var join in plan.Joins)
        {
            var backend = _lb.Backends.First(b => b.App == join.App);
            try
            {
                await _runtime.AddServerAsync(join.Backend, join.Name, HaproxyConfigRenderer.ServerArguments(backend, join), cancellationToken);
            }
            catch (HaproxyCommandException ex) when (ex.Answer.Contains("Already exists", StringComparison.OrdinalIgnoreCase))
            {
                // A reload loaded it from the file written above.
            }

            await _runtime.EnableHealthAsync(join.Backend, join.Name, cancellationToken);
            await _runtime.EnableServerAsync(join.Backend, join.Name, cancellationToken);
            _changes.WithLabels("join").Inc();
            LogJoined(_logger, join.Path, join.Endpoint);
        }

        foreach (var move in plan.Moves)
        {
            await _runtime.SetAddressAsync(move.Backend, move.Name, move.Address, move.Port, cancellationToken);
            _changes.WithLabels("move").Inc();
            LogMoved(_logger, move.Path, move.Endpoint);
        }

        await ApplyHoldsAsync(plan, cancellationToken);
        if (plan.Joins.Count + plan.Moves.Count + plan.Holds.Count + plan.Releases.Count > 0)
        {
            await PersistLockedAsync(cancellationToken);
        }
    }

    private async Task ApplyByReloadAsync(MembershipPlan plan, IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        await ApplyHoldsAsync(plan, cancellationToken);
        if (plan.Joins.Count + plan.Moves.Count == 0)
        {
            return;
        }

        var membership = HaproxyMembership.FromRunning(running);
        foreach (var server in plan.Joins.Concat(plan.Moves))
        {
            membership = membership.With(server);
        }

        await ReloadWithLockedAsync(membership, cancellationToken);
        foreach (var join in plan.Joins)
        {
            _changes.WithLabels("join").Inc();
            LogJoined(_logger, join.Path, join.Endpoint);
        }
    }

    private async Task ApplyHoldsAsync(MembershipPlan plan, CancellationToken cancellationToken)
    {
        foreach (var hold in plan.Holds)
        {
            await _runtime.SetStateAsync(hold.Backend, hold.Name, "drain", cancellationToken);
            _heldByUs.Add(hold.Key);
            _changes.WithLabels("hold").Inc();
            LogHeld(_logger, hold.Path, _lb.FlapHoldDown.TotalSeconds);
        }

        foreach (var release in plan.Releases)
        {
            await _runtime.SetStateAsync(release.Backend, release.Name, "ready", cancellationToken);
            _heldByUs.Remove(release.Key);
            _changes.WithLabels("release").Inc();
            LogReleased(_logger, release.Path);
        }
    }

    private async Task ReloadWithLockedAsync(HaproxyMembership membership, CancellationToken cancellationToken)
    {
        _files.Write(membership);
        _files.WriteState(await _runtime.DumpServersStateAsync(cancellationToken));
        await _process.ReloadAsync(cancellationToken);
        _changes.WithLabels("reload").Inc();
    }

    /// <summary>Writes the config, membership.json and state file for the servers HAProxy runs now (no reload).</summary>
    private async Task PersistLockedAsync(CancellationToken cancellationToken)
    {
        var dump = await _runtime.DumpServersStateAsync(cancellationToken);
        _files.Write(HaproxyMembership.FromRunning(HaproxyOutputParser.ServersState(dump)));
        _files.WriteState(dump);
    }

    private void StartLeave(HaproxyServer server)
    {
        lock (_leaving)
        {
            var key = server.Key;
            if (!_leaving.ContainsKey(key))
            {
                _leaving[key] = Task.Run(() => LeaveAsync(server, _stopping));
            }
        }
    }

    /// <summary>
    /// Takes one server out without failing a request: drain (no new requests), wait for its sessions to end (at most
    /// <c>lb.drain_timeout</c>), maintenance, shutdown sessions, then del server — retried while HAProxy still holds
    /// connections to it. With <c>apply: reload</c> the last step is a reload without it instead.
    /// </summary>
    private async Task LeaveAsync(HaproxyServer server, CancellationToken cancellationToken)
    {
        var key = server.Key;
        try
        {
            await LockedAsync(() => _runtime.SetStateAsync(server.Backend, server.Name, "drain", cancellationToken), cancellationToken);
            LogDraining(_logger, server.Path);
            var deadline = _time.GetUtcNow() + _lb.DrainTimeout;
            while (true)
            {
                var sessions = await _runtime.CurrentSessionsAsync(cancellationToken);
                if (sessions.GetValueOrDefault(server.Path) == 0)
                {
                    break;
                }

                if (_time.GetUtcNow() >= deadline)
                {
                    LogDrainTimedOut(_logger, server.Path, sessions.GetValueOrDefault(server.Path), _lb.DrainTimeout.TotalSeconds);
                    break;
                }

                await Task.Delay(PollEvery, _time, cancellationToken);
            }

            if (_lb.Apply == LbApplyMode.Reload)
            {
                await LockedAsync(async () =>
                {
                    await _runtime.SetStateAsync(server.Backend, server.Name, "maint", cancellationToken);
                    var running = HaproxyOutputParser.ServersState(await _runtime.DumpServersStateAsync(cancellationToken));
                    await ReloadWithLockedAsync(HaproxyMembership.FromRunning(running).Without(server.Key), cancellationToken);
                }, cancellationToken);
            }
            else
            {
                await LockedAsync(async () =>
                {
                    await _runtime.SetStateAsync(server.Backend, server.Name, "maint", cancellationToken);
                    await _runtime.ShutdownSessionsAsync(server.Backend, server.Name, cancellationToken);
                }, cancellationToken);
                var until = _time.GetUtcNow() + DeleteRetryFor;
                var attempts = 0;
                while (!await LockedAsync(() => _runtime.TryDeleteServerAsync(server.Backend, server.Name, cancellationToken), cancellationToken))
                {
                    attempts++;
                    if (_time.GetUtcNow() >= until)
                    {
                        throw new HaproxyCommandException($"del server {server.Path}", $"connections remained after {attempts} attempts");
                    }

                    await Task.Delay(PollEvery * 2, _time, cancellationToken);
                }

                await LockedAsync(() => PersistLockedAsync(cancellationToken), cancellationToken);
            }

            await LockedAsync(() =>
            {
                _heldByUs.Remove(key);
                return Task.CompletedTask;
            }, cancellationToken);
            _changes.WithLabels("leave").Inc();
            LogLeft(_logger, server.Path);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            LogLeaveFailed(_logger, server.Path, ex);
        }
        finally
        {
            lock (_leaving)
            {
                _leaving.Remove(key);
            }
        }

        if (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await LockedAsync(async () =>
                {
                    var running = HaproxyOutputParser.ServersState(await _runtime.DumpServersStateAsync(cancellationToken));
                    await AcknowledgeDrainedLockedAsync(running, cancellationToken);
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAckFailed(_logger, server.Name, ex);
            }
        }
    }

    /// <summary>
    /// Tells each draining web node that this lb no longer sends it anything — once none of its servers runs or is
    /// still leaving here. The node waits for these answers before it stops its web server.
    /// </summary>
    private async Task AcknowledgeDrainedLockedAsync(IReadOnlyList<ServerState> running, CancellationToken cancellationToken)
    {
        var draining = _records.Values.Where(r => r.Health == NodeHealth.Draining && r.QueueUrl is not null && !_acked.Contains(r.NodeId)).ToList();
        if (draining.Count == 0)
        {
            return;
        }

        var leaving = Leaving;
        foreach (var record in draining)
        {
            var present = running.Any(s => s.App is not null && s.Name == record.NodeId)
                          || leaving.Any(k => k.NodeId == record.NodeId);
            if (present)
            {
                continue;
            }

            var body = new MembershipMessage
            {
                Cluster = _config.Cluster,
                Role = record.Role,
                NodeId = record.NodeId,
                Event = MembershipMessage.Removed,
                By = _identity.NodeId,
            }.Serialize();
            await _publisher.SendAsync(new Uri(record.QueueUrl!), MembershipMessage.Type, body, cancellationToken);
            _acked.Add(record.NodeId);
            LogAcknowledged(_logger, record.NodeId);
        }
    }

    private async Task LockedAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<T> LockedAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await action();
        }
        finally
        {
            _gate.Release();
        }
    }
}

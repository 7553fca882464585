namespace NodeAgent.Testing;

public sealed partial class AgentProcess
{
    /// <summary><c>kill -9</c>: the agent gets no chance to release, deregister or clean up.</summary>
    public async Task KillHardAsync()
    {
        if (!UnixSignals.Send(Pid, UnixSignals.SigKill))
        {
            throw new InvalidOperationException($"kill({Pid}, 9) failed");
        }

        Assert.True(await WaitForExitAsync(TimeSpan.FromSeconds(10)), $"agent {Pid} survived kill -9");
    }
}

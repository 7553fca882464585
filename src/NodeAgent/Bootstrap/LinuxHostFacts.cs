namespace NodeAgent.Bootstrap;

/// <summary>Reads host facts from the Linux file system.</summary>
public sealed class LinuxHostFacts : IHostFacts
{
    public string? MachineId()
    {
        try
        {
            var id = File.ReadAllText("/etc/machine-id").Trim();
            return id.Length > 0 ? "m-" + id : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

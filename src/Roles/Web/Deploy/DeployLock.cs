using System.Text.Json;
using NodeAgent.FileSystem;

namespace NodeAgent.Roles.Web.Deploy;

/// <summary>
/// The per-app deploy lock, shared by the daemon and the <c>rollback</c> command:
/// <c>&lt;state_dir&gt;/deploy/locks/&lt;app&gt;.lock</c> held open with an exclusive flock(2) (.NET's
/// <see cref="FileShare.None"/>), plus <c>&lt;app&gt;.owner</c> naming the owner and the expiry. The kernel drops the
/// flock when its process dies, so no stale lock survives a crash or kill -9; the owner file is informational and is
/// simply overwritten by the next holder. The expiry is the holder's own bound (its deploy timeout), after which it
/// cancels its work.
/// </summary>
public sealed class DeployLock : IDisposable
{
    private readonly FileStream _handle;
    private readonly string _ownerPath;

    private DeployLock(FileStream handle, string ownerPath, LockOwner owner)
    {
        _handle = handle;
        _ownerPath = ownerPath;
        Owner = owner;
    }

    public LockOwner Owner { get; }

    public static string LockPath(string stateDir, string app) => Path.Combine(stateDir, "deploy", "locks", app + ".lock");

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/>; throws <see cref="DeployLockHeldException"/> naming the holder.</summary>
    public static async Task<DeployLock> AcquireAsync(
        string stateDir, string app, string purpose, TimeSpan expiresAfter, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var path = LockPath(stateDir, app);
        var ownerPath = Path.ChangeExtension(path, ".owner");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            try
            {
                var handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var now = time.GetUtcNow();
                var owner = new LockOwner(purpose, Environment.ProcessId, Environment.MachineName, now, now + expiresAfter);
                AtomicFile.WriteAllBytes(ownerPath, JsonSerializer.SerializeToUtf8Bytes(owner, DeployJson.TypeInfo<LockOwner>()));
                return new DeployLock(handle, ownerPath, owner);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (time.GetUtcNow() >= deadline)
                {
                    throw new DeployLockHeldException(app, ReadOwner(ownerPath), time.GetUtcNow());
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
        }
    }

    public static LockOwner? ReadOwner(string ownerPath)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(ownerPath), DeployJson.TypeInfo<LockOwner>());
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
            // The next holder overwrites it.
        }

        _handle.Dispose();
    }
}

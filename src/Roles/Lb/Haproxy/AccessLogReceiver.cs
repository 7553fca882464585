using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Roles.Lb.Configuration;

namespace NodeAgent.Roles.Lb.Haproxy;

/// <summary>
/// Writes HAProxy's access log to <c>lb.log.file</c>: HAProxy sends each line (Apache combined, <c>format raw</c>) as
/// a datagram to a UNIX socket in the HAProxy directory, and this appends them to the file. When the file is moved
/// away (log rotation), the next line creates a fresh one.
/// </summary>
public sealed partial class AccessLogReceiver(LbSection lb, HaproxyPaths paths, ILogger<AccessLogReceiver> logger) : BackgroundService
{
    private static readonly TimeSpan ReopenCheck = TimeSpan.FromSeconds(1);
    private Socket? _socket;

    /// <summary>Binds the socket; called before HAProxy starts so no early line is lost. No-op without a log file.</summary>
    public void Bind()
    {
        if (lb.Log.File is null || _socket is not null)
        {
            return;
        }

        Directory.CreateDirectory(paths.Directory);
        File.Delete(paths.LogSocket);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(paths.LogSocket));
        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        _socket = socket;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (lb.Log.File is not { } file)
        {
            return;
        }

        Bind();
        var buffer = new byte[64 * 1024];
        FileStream? output = null;
        var checkedAt = DateTime.UtcNow;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var read = await _socket!.ReceiveAsync(buffer, SocketFlags.None, stoppingToken);
                var line = Encoding.UTF8.GetString(buffer, 0, read).TrimEnd('\n', '\r');
                if (DateTime.UtcNow - checkedAt > ReopenCheck || output is null)
                {
                    checkedAt = DateTime.UtcNow;
                    if (output is null || !File.Exists(file))
                    {
                        output?.Dispose();
                        output = Open(file);
                    }
                }

                if (output is not null)
                {
                    var bytes = Encoding.UTF8.GetBytes(line + "\n");
                    await output.WriteAsync(bytes, stoppingToken);
                    await output.FlushAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            output?.Dispose();
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    private FileStream? Open(string file)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            return new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCannotOpen(logger, file, ex);
            return null;
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Error, Message = "Cannot open the access log {File}; lines are dropped until it can be")]
    private static partial void LogCannotOpen(ILogger logger, string file, Exception exception);
}

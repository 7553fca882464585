using NodeAgent.Configuration;

namespace NodeAgent.Bootstrap;

/// <summary>Reads user-data from a file (<c>--user-data PATH</c> or <c>NODEAGENT_USER_DATA</c>).</summary>
public sealed class FileUserDataSource(string path) : IUserDataSource
{
    public string Path { get; } = path;

    public string Description => $"file {Path}";

    public async Task<RawUserData> FetchAsync(CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(Path);
            if (!info.Exists)
            {
                throw new UserDataUnavailableException($"user-data file {Path} does not exist");
            }

            if (info.Length > UserDataDecoder.MaxRawBytes)
            {
                // The file is there and readable: it is invalid user-data (exit 3), not missing user-data (exit 4).
                throw new ConfigException(Description, [new ConfigError(string.Empty,
                    $"the file is {info.Length} bytes; user-data may be at most {UserDataDecoder.MaxRawBytes} bytes as stored and {UserDataDecoder.MaxDecodedBytes} bytes decoded")]);
            }

            bytes = await File.ReadAllBytesAsync(Path, cancellationToken);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UserDataUnavailableException($"cannot read user-data file {Path}: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new UserDataUnavailableException($"cannot read user-data file {Path}: {ex.Message}");
        }

        return new RawUserData(bytes, Description, null);
    }
}

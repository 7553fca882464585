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

            if (info.Length > UserDataDecoder.MaxDecodedBytes)
            {
                throw new UserDataUnavailableException($"user-data file {Path} is {info.Length} bytes; at most {UserDataDecoder.MaxDecodedBytes} are accepted");
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

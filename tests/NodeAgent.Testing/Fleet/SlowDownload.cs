namespace NodeAgent.Testing.Fleet;

/// <summary>
/// A long request in flight: a GET of <see cref="Fleet.SlowFile"/> (sent at 64 KB/s by nginx) whose headers say which
/// web node answers; the body is read in the background. Used to see a drain wait for requests to finish.
/// </summary>
public sealed class SlowDownload
{
    private SlowDownload(string? node, Task<Result> done)
    {
        Node = node;
        Done = done;
    }

    /// <summary>The web node serving it (<c>X-Node</c>).</summary>
    public string? Node { get; }

    public Task<Result> Done { get; }

    public static async Task<SlowDownload> StartAsync(HttpClient http, Uri uri)
    {
        var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead);
        var node = response.Headers.TryGetValues("X-Node", out var values) ? values.FirstOrDefault() : null;
        return new SlowDownload(node, ReadAsync(response, node));
    }

    private static async Task<Result> ReadAsync(HttpResponseMessage response, string? node)
    {
        using (response)
        {
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[16 * 1024];
                long total = 0;
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    total += read;
                }

                return new Result(node, response.IsSuccessStatusCode, total, DateTimeOffset.UtcNow, null);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                return new Result(node, false, 0, DateTimeOffset.UtcNow, ex.GetBaseException().Message);
            }
        }
    }

    public sealed record Result(string? Node, bool Ok, long Bytes, DateTimeOffset FinishedAt, string? Error);
}

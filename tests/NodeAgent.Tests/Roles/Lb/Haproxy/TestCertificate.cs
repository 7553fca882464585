using System.Diagnostics;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

/// <summary>A throwaway self-signed certificate made with openssl: one PEM with the certificate and its key, as HAProxy wants.</summary>
internal static class TestCertificate
{
    public static async Task<string> CreatePemAsync(TempDir dir, string commonName)
    {
        var key = dir.Combine("tls.key");
        var cert = dir.Combine("tls.crt");
        var start = new ProcessStartInfo("openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", $"/CN={commonName}",
             "-addext", $"subjectAltName=DNS:{commonName}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl failed: {await stderr}");
        }

        var pem = dir.Combine("tls.pem");
        await File.WriteAllTextAsync(pem, await File.ReadAllTextAsync(cert) + await File.ReadAllTextAsync(key));
        return pem;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Roles.Db.Postgres.Replication;

/// <summary>
/// A PostgreSQL <c>SCRAM-SHA-256</c> password verifier (RFC 5802/7677 with the standard library's PBKDF2 and HMAC), so
/// the primary sets the replication user's password with <c>ALTER ROLE … PASSWORD 'SCRAM-SHA-256$…'</c> and the
/// password itself never reaches the server's statement log. Only printable ASCII passwords are accepted (PostgreSQL
/// would SASLprep anything else; for ASCII that is the identity).
/// </summary>
public static class ScramVerifier
{
    public const int DefaultIterations = 4096;

    public static string Create(string password, int iterations = DefaultIterations)
        => Create(password, RandomNumberGenerator.GetBytes(16), iterations);

    public static string Create(string password, byte[] salt, int iterations)
    {
        if (password.Length == 0 || password.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException("the replication password must be 1 or more printable ASCII characters", nameof(password));
        }

        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    /// <summary>Whether <paramref name="verifier"/> (as stored in pg_authid) is this password's.</summary>
    public static bool Matches(string? verifier, string password)
    {
        if (verifier is null || !verifier.StartsWith("SCRAM-SHA-256$", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = verifier["SCRAM-SHA-256$".Length..].Split('$');
        var head = parts.Length == 2 ? parts[0].Split(':') : [];
        if (head.Length != 2 || !int.TryParse(head[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var iterations)
            || iterations is < 1 or > 1_000_000)
        {
            return false;
        }

        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(head[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Create(password, salt, iterations)), Encoding.ASCII.GetBytes(verifier));
    }
}

using System.Runtime.InteropServices;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// The system's native zstd (<c>libzstd.so.1</c>, Debian's libzstd1, which dpkg itself depends on, and the same library
/// pgBackRest compresses with). Its hot loops are compiled ahead of time, whereas the managed port costs ~1.4× the CPU
/// per byte and JIT-compiles its intrinsics on every start. Only whole-frame compression is bound here; the managed
/// port stays the fallback when the library is missing.
/// </summary>
internal static partial class LibZstd
{
    public const int CompressionLevelParameter = 100;
    public const int ChecksumFlagParameter = 201;
    private const string Library = "libzstd.so.1";

    private static readonly Lazy<bool> Loadable = new(() => NativeLibrary.TryLoad(Library, typeof(LibZstd).Assembly, null, out _)
        && TryVersion(out var version) && version >= 10400);

    /// <summary>True when libzstd 1.4 or newer (ZSTD_compress2) can be loaded.</summary>
    public static bool IsAvailable => Loadable.Value;

    public static string ErrorName(nuint code) => Marshal.PtrToStringUTF8(GetErrorName(code)) ?? $"zstd error {code}";

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint SetParameter(nint cctx, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_compress2")]
    public static unsafe partial nuint Compress2(nint cctx, byte* destination, nuint capacity, byte* source, nuint length);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressBound")]
    public static partial nuint CompressBound(nuint length);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_versionNumber")]
    private static partial uint VersionNumber();

    private static bool TryVersion(out uint version)
    {
        try
        {
            version = VersionNumber();
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            version = 0;
            return false;
        }
    }
}

namespace NodeAgent.Roles.Web.Configuration;

/// <summary>
/// How an app's releases are built (<c>release_mode</c>). <see cref="Delta"/>: from the current release when it is a
/// sound base — unchanged files are hard links to it, only changed files are written — and in full otherwise.
/// <see cref="Full"/>: every file written, every time. docs/deploys.md, "Delta releases".
/// </summary>
public enum ReleaseMode
{
    Delta,
    Full,
}

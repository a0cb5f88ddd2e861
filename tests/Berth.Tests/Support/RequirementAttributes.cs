namespace Berth.Tests.Support;

/// <summary>
/// The one skip rule for tests that need real services: skipped locally with the first missing
/// service's reason, never skipped in CI (CI=true or BERTH_REQUIRE_*=1), where they fail loudly.
/// </summary>
internal static class Requirements
{
    public static string? SkipReason(bool docker = false, bool postgres = false, bool s3 = false, bool chromium = false)
    {
        if (docker && !DockerRequirement.Required && DockerRequirement.Unavailable is { } d) return $"Docker unavailable: {d}";
        if (postgres && !PostgresRequirement.Required && PostgresRequirement.Unavailable is { } p) return $"PostgreSQL unavailable: {p}";
        if (s3 && !S3Requirement.Required && S3Requirement.Unavailable is { } s) return $"S3 unavailable: {s}";
        if (chromium && !ChromiumRequirement.Required && ChromiumRequirement.Unavailable is { } c) return $"Chromium unavailable: {c}";
        return null;
    }
}

/// <summary>A fact that needs the real Docker engine.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute() => Skip = Requirements.SkipReason(docker: true);
}

/// <summary>A theory that needs the real Docker engine.</summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute() => Skip = Requirements.SkipReason(docker: true);
}

/// <summary>A fact that needs Docker and PostgreSQL.</summary>
public sealed class PostgresDockerFactAttribute : FactAttribute
{
    public PostgresDockerFactAttribute() => Skip = Requirements.SkipReason(docker: true, postgres: true);
}

/// <summary>A fact that needs PostgreSQL (and nothing else).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = Requirements.SkipReason(postgres: true);
}

/// <summary>A fact that needs the S3 server.</summary>
public sealed class S3FactAttribute : FactAttribute
{
    public S3FactAttribute() => Skip = Requirements.SkipReason(s3: true);
}

/// <summary>A fact that needs Docker and the S3 server.</summary>
public sealed class S3DockerFactAttribute : FactAttribute
{
    public S3DockerFactAttribute() => Skip = Requirements.SkipReason(docker: true, s3: true);
}

/// <summary>A fact that needs Docker and a headless Chromium.</summary>
public sealed class ChromiumDockerFactAttribute : FactAttribute
{
    public ChromiumDockerFactAttribute() => Skip = Requirements.SkipReason(docker: true, chromium: true);
}

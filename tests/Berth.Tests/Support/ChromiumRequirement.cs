using System.Diagnostics;

namespace Berth.Tests.Support;

/// <summary>
/// Whether Debian's chromium is here for the browser tests (scripts/ensure-chromium.sh installs it;
/// Playwright drives it by its path, since no browser can be downloaded). Skipped locally without
/// it; in CI (CI=true or BERTH_REQUIRE_CHROMIUM=1) the tests run and fail loudly instead.
/// </summary>
public static class ChromiumRequirement
{
    /// <summary><c>BERTH_CHROMIUM</c>, else Debian's package's launcher.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("BERTH_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly Lazy<string?> Problem = new(Probe);

    public static bool Required =>
        Environment.GetEnvironmentVariable("BERTH_REQUIRE_CHROMIUM") == "1"
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when chromium starts; otherwise what is missing.</summary>
    public static string? Unavailable => Problem.Value;

    private static string? Probe()
    {
        if (!File.Exists(ExecutablePath)) return $"no chromium at {ExecutablePath} (run scripts/ensure-chromium.sh, or set BERTH_CHROMIUM)";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(ExecutablePath, "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
                return $"{ExecutablePath} --version did not answer within 30 s";
            }
            return process.ExitCode == 0 ? null : $"{ExecutablePath} --version exited with {process.ExitCode}: {process.StandardError.ReadToEnd().Trim()}";
        }
        catch (Exception ex)
        {
            return $"{ExecutablePath} did not start: {ex.Message}";
        }
    }
}

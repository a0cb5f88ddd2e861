using Berth.Client;

namespace Berth.Cli;

/// <summary>What <c>berth</c> exits with, for scripts (README, CLI). <c>exec</c> exits with the command's own code instead.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Denied = 4;
    public const int Conflict = 5;
    public const int Unavailable = 6;

    public static int Of(BerthApiException ex) => ex.Status switch
    {
        400 or 413 or 415 or 422 => Usage,
        401 or 403 => Denied,
        404 => NotFound,
        409 => Conflict,
        429 or 503 or 504 => Unavailable,
        _ => Failed,
    };
}

/// <summary>A failure the CLI itself reports (bad arguments, a refused prompt, a failed check), with its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

namespace Berth.Gateway.Endpoints;

/// <summary>Exec and files through the gateway (section <c>Gateway:Access</c>).</summary>
public sealed class ContainerAccessOptions
{
    public const string Section = "Gateway:Access";

    /// <summary>An exec's deadline when the request names none, and the longest one allowed.</summary>
    public TimeSpan ExecTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxExecTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Output kept per stream in an exec's JSON answer; the rest is counted and flagged as truncated.</summary>
    public int MaxExecOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest file or directory tar moved by GET or PUT /tenants/{id}/files.</summary>
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;
}

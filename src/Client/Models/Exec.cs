namespace Berth.Client.Models;

/// <summary>A command to run in a tenant's claimed container (<c>POST /tenants/{id}/exec</c>).</summary>
public sealed record ExecRequest(IReadOnlyList<string> Command)
{
    public string? Workload { get; init; }
    /// <summary>In a stack workload, the service whose container runs the command; null: the primary.</summary>
    public string? Service { get; init; }
    public IReadOnlyDictionary<string, string>? Env { get; init; }
    public string? Workdir { get; init; }
    public string? User { get; init; }
    public string? Stdin { get; init; }
    /// <summary>A duration such as 30s; past it the command is killed.</summary>
    public string? Timeout { get; init; }
    public bool Tty { get; init; }
}

/// <summary>The whole answer of a non-streamed exec.</summary>
public sealed record ExecResult(long? ExitCode, string Stdout, string Stderr, bool TimedOut, bool StdoutTruncated, bool StderrTruncated, string? Note);

/// <summary>
/// One line of a streamed exec or log: output (<see cref="Stream"/> stdout or stderr, with <see cref="Data"/>)
/// or, last of an exec, its end (<see cref="IsEnd"/>, with <see cref="ExitCode"/>).
/// </summary>
public sealed record OutputLine(string? Stream, string? Data, long? ExitCode = null, bool? TimedOut = null, string? Note = null)
{
    public bool IsEnd => Stream is null;
}

namespace Berth.Contracts;

public enum OutputStream
{
    Stdout,
    Stderr,
}

/// <summary>A piece of a command's or a container's output, as the engine delivered it.</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.OutputChunk")]
public sealed record OutputChunk([property: Id(0)] OutputStream Stream, [property: Id(1)] byte[] Data);

/// <summary>
/// What an exec's output stream carries: output, then exactly one end (<see cref="ExitCode"/>, or
/// <see cref="TimedOut"/> when the deadline passed first).
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.ExecEvent")]
public sealed record ExecEvent
{
    [Id(0)] public OutputChunk? Output { get; init; }
    [Id(1)] public bool Ended { get; init; }
    [Id(2)] public long? ExitCode { get; init; }
    [Id(3)] public bool TimedOut { get; init; }
    /// <summary>Why the end has no exit code (the process could not be stopped, the engine failed).</summary>
    [Id(4)] public string? Note { get; init; }
}

/// <summary>Which of a container's logs to read (<c>GET /tenants/{id}/logs</c>).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.LogsRequest")]
public sealed record LogsRequest
{
    /// <summary>Last lines only; null: all.</summary>
    [Id(0)] public int? Tail { get; init; }
    [Id(1)] public DateTimeOffset? Since { get; init; }
    /// <summary>Keep streaming new output until the caller goes away or the container stops.</summary>
    [Id(2)] public bool Follow { get; init; }
}

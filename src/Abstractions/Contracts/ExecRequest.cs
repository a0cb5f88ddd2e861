namespace Berth.Contracts;

/// <summary>A command to run in a claimed container (<c>POST /tenants/{id}/exec</c>, or interactive over a WebSocket).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.ExecRequest")]
public sealed record ExecRequest
{
    [Id(0)] public required string[] Command { get; init; }
    [Id(1)] public Dictionary<string, string> Environment { get; init; } = [];
    [Id(2)] public string? WorkingDirectory { get; init; }
    /// <summary>Null: the container's own user.</summary>
    [Id(3)] public string? User { get; init; }
    /// <summary>Written to the command's stdin, which is then closed (non-interactive runs).</summary>
    [Id(4)] public byte[]? Stdin { get; init; }
    /// <summary>A terminal: stdout and stderr come as one stream, and the size can change.</summary>
    [Id(5)] public bool Tty { get; init; }
    /// <summary>Keeps stdin open for later writes (interactive); otherwise it is closed after <see cref="Stdin"/>.</summary>
    [Id(6)] public bool Interactive { get; init; }
}

using Berth.Contracts;

namespace Berth.Runtime;

/// <summary>A command running in a container, attached: its output, its stdin, its terminal size and, once done, its exit code.</summary>
public interface IContainerExec : IAsyncDisposable
{
    /// <summary>Output as it comes; ends when the command closes its output (normally: when it exits).</summary>
    IAsyncEnumerable<OutputChunk> ReadOutputAsync(CancellationToken cancellationToken);

    Task WriteInputAsync(byte[] data, CancellationToken cancellationToken);

    /// <summary>End of input: the command reads EOF.</summary>
    void CloseInput();

    /// <summary>Only for a terminal (<see cref="ExecRequest.Tty"/>).</summary>
    Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken);

    /// <summary>Null while the command still runs.</summary>
    Task<long?> ExitCodeAsync(CancellationToken cancellationToken);

    /// <summary>Kills the command (a deadline passed). False when this engine gives no way to (see the note it returns).</summary>
    Task<(bool Killed, string? Note)> KillAsync(CancellationToken cancellationToken);
}

/// <summary>The container exists but does not run, so nothing can be executed in it or attached to it.</summary>
public sealed class ContainerNotRunningException(string containerId) : Exception($"container {containerId} is not running")
{
    public string ContainerId { get; } = containerId;
}

using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Berth.Contracts;

namespace Berth.Runtime;

/// <summary>
/// A pretend command for the in-memory engine: <c>echo ARGS</c> prints them, <c>cat</c> echoes its
/// input until closed, <c>false</c> fails, <c>sleep</c> runs until killed; anything else exits 127.
/// </summary>
public sealed class InMemoryContainerExec : IContainerExec
{
    private readonly Channel<OutputChunk> _output = Channel.CreateUnbounded<OutputChunk>();
    private readonly bool _echoInput;
    private long? _exitCode;

    public InMemoryContainerExec(ExecRequest request)
    {
        var command = request.Command;
        switch (command[0])
        {
            case "echo":
                Write(OutputStream.Stdout, string.Join(' ', command.Skip(1)) + "\n");
                Exit(0);
                break;
            case "false":
                Exit(1);
                break;
            case "cat":
                _echoInput = true;
                break;
            case "sleep":
                break;
            default:
                Write(OutputStream.Stderr, $"{command[0]}: not found\n");
                Exit(127);
                break;
        }
    }

    private void Write(OutputStream stream, string text) => _output.Writer.TryWrite(new OutputChunk(stream, Encoding.UTF8.GetBytes(text)));

    private void Exit(long code)
    {
        _exitCode ??= code;
        _output.Writer.TryComplete();
    }

    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chunk in _output.Reader.ReadAllAsync(cancellationToken)) yield return chunk;
    }

    public Task WriteInputAsync(byte[] data, CancellationToken cancellationToken)
    {
        if (_echoInput) _output.Writer.TryWrite(new OutputChunk(OutputStream.Stdout, data));
        return Task.CompletedTask;
    }

    public void CloseInput()
    {
        if (_echoInput) Exit(0);
    }

    public Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long?> ExitCodeAsync(CancellationToken cancellationToken) => Task.FromResult(_exitCode);

    public Task<(bool Killed, string? Note)> KillAsync(CancellationToken cancellationToken)
    {
        Exit(137);
        return Task.FromResult<(bool, string?)>((true, null));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using Berth.Contracts;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Runtime;

/// <summary>A Docker exec, attached through the engine's hijacked connection.</summary>
public sealed class DockerContainerExec(DockerClient client, string execId, MultiplexedStream stream, bool tty) : IContainerExec
{
    private const int ChunkBytes = 16 * 1024;

    public static async Task<IContainerExec> StartAsync(DockerClient client, string containerId, ExecRequest request, CancellationToken cancellationToken)
    {
        ContainerExecCreateResponse created;
        try
        {
            created = await client.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
            {
                Cmd = request.Command,
                Env = request.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
                WorkingDir = request.WorkingDirectory ?? "",
                User = request.User ?? "",
                Tty = request.Tty,
                AttachStdin = request.Interactive || request.Stdin is not null,
                AttachStdout = true,
                AttachStderr = true,
            }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            throw new ContainerNotFoundException(containerId);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            throw new ContainerNotRunningException(containerId);
        }
        var stream = await client.Exec.StartAndAttachContainerExecAsync(created.ID, request.Tty, cancellationToken);
        var exec = new DockerContainerExec(client, created.ID, stream, request.Tty);
        if (request.Stdin is { Length: > 0 } input) await exec.WriteInputAsync(input, cancellationToken);
        if (!request.Interactive) exec.CloseInput();
        return exec;
    }

    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF || read.Count == 0) yield break;
            var kind = !tty && read.Target == MultiplexedStream.TargetStream.StandardError ? OutputStream.Stderr : OutputStream.Stdout;
            yield return new OutputChunk(kind, buffer[..read.Count]);
        }
    }

    public Task WriteInputAsync(byte[] data, CancellationToken cancellationToken) =>
        stream.WriteAsync(data, 0, data.Length, cancellationToken);

    public void CloseInput() => stream.CloseWrite();

    public Task ResizeAsync(int columns, int rows, CancellationToken cancellationToken) =>
        client.Exec.ResizeContainerExecTtyAsync(execId, new ContainerResizeParameters { Width = columns, Height = rows }, cancellationToken);

    public async Task<long?> ExitCodeAsync(CancellationToken cancellationToken)
    {
        // The output closes a moment before the engine records the exit: ask a few times.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var inspect = await client.Exec.InspectContainerExecAsync(execId, cancellationToken);
            if (!inspect.Running) return inspect.ExitCode;
            await Task.Delay(20, cancellationToken);
        }
        return null;
    }

    /// <summary>
    /// Docker has no call to stop an exec. Its process is killed by host pid, which works where this
    /// silo shares the engine's machine and pid namespace (an agent silo, a local socket).
    /// </summary>
    public async Task<(bool Killed, string? Note)> KillAsync(CancellationToken cancellationToken)
    {
        var inspect = await client.Exec.InspectContainerExecAsync(execId, cancellationToken);
        if (!inspect.Running) return (true, null);
        try
        {
            using var process = Process.GetProcessById((int)inspect.Pid);
            process.Kill(entireProcessTree: true);
            return (true, null);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return (false, $"the command (host pid {inspect.Pid}) could not be killed from here and may still run: {ex.Message}");
        }
    }

    public ValueTask DisposeAsync()
    {
        stream.Dispose();
        return ValueTask.CompletedTask;
    }
}

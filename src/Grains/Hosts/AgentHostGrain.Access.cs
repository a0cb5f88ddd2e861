using System.Runtime.CompilerServices;
using Berth.Contracts;
using Berth.Errors;
using Berth.Runtime;

namespace Berth.Hosts;

/// <summary>
/// A tenant's way into its container, through the one grain that talks to the engine: exec
/// (streamed, with a deadline, or interactive), logs and files. Streams end when the caller leaves.
/// </summary>
public sealed partial class AgentHostGrain
{
    private readonly ExecSessions _execs = new();

    private BerthException Gone(string containerId) => BerthException.Conflict($"container {containerId} no longer exists on host '{HostId}'");

    private async Task<IContainerExec> StartExecAsync(string containerId, ExecRequest request)
    {
        if (request.Command is not { Length: > 0 } || request.Command.Any(string.IsNullOrEmpty))
        {
            throw BerthException.Invalid("command", "command must be a non-empty list of non-empty strings");
        }
        try
        {
            return await Runtime.StartExecAsync(containerId, request, CancellationToken.None);
        }
        catch (ContainerNotFoundException)
        {
            throw Gone(containerId);
        }
        catch (ContainerNotRunningException)
        {
            throw BerthException.Conflict($"container {containerId} on host '{HostId}' is not running");
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not start a command in container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async IAsyncEnumerable<ExecEvent> Exec(string containerId, ExecRequest request, TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var exec = await StartExecAsync(containerId, request);
        await using (exec)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await foreach (var output in OutputUntilAsync(exec, deadline.Token))
            {
                yield return new ExecEvent { Output = output };
            }
            if (deadline.IsCancellationRequested)
            {
                // The deadline passed (or the caller left): the command must not run on unseen.
                var (_, note) = await exec.KillAsync(CancellationToken.None);
                yield return new ExecEvent { Ended = true, TimedOut = !cancellationToken.IsCancellationRequested, Note = note };
                yield break;
            }
            yield return new ExecEvent { Ended = true, ExitCode = await exec.ExitCodeAsync(CancellationToken.None) };
        }
    }

    /// <summary>The command's output until it ends or <paramref name="stop"/> fires (then simply no more).</summary>
    private static async IAsyncEnumerable<OutputChunk> OutputUntilAsync(IContainerExec exec, [EnumeratorCancellation] CancellationToken stop)
    {
        var output = exec.ReadOutputAsync(stop).GetAsyncEnumerator(stop);
        // An engine read that ignores the token still ends: the attached stream is closed under it.
        await using var closeOnStop = stop.Register(() => _ = exec.DisposeAsync().AsTask());
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await output.MoveNextAsync();
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    yield break;
                }
                if (!more) yield break;
                yield return output.Current;
            }
        }
        finally
        {
            await output.DisposeAsync();
        }
    }

    public async Task<string> OpenExec(string containerId, ExecRequest request)
    {
        var exec = await StartExecAsync(containerId, request with { Interactive = true });
        return _execs.Add(exec);
    }

    public async IAsyncEnumerable<ExecEvent> ReadExec(string sessionId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var exec = _execs.Get(sessionId);
        try
        {
            await foreach (var output in OutputUntilAsync(exec, cancellationToken))
            {
                yield return new ExecEvent { Output = output };
            }
            if (!cancellationToken.IsCancellationRequested)
            {
                yield return new ExecEvent { Ended = true, ExitCode = await exec.ExitCodeAsync(CancellationToken.None) };
            }
        }
        finally
        {
            await _execs.CloseAsync(sessionId);
        }
    }

    public Task WriteExec(string sessionId, byte[] data) => _execs.Get(sessionId).WriteInputAsync(data, CancellationToken.None);

    public Task CloseExecInput(string sessionId)
    {
        _execs.Get(sessionId).CloseInput();
        return Task.CompletedTask;
    }

    public Task ResizeExec(string sessionId, int columns, int rows) =>
        _execs.Get(sessionId).ResizeAsync(columns, rows, CancellationToken.None);

    public Task CloseExec(string sessionId) => _execs.CloseAsync(sessionId);

    public async IAsyncEnumerable<OutputChunk> Logs(string containerId, LogsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var logs = Runtime.ReadLogsAsync(containerId, request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await logs.MoveNextAsync();
                }
                catch (ContainerNotFoundException)
                {
                    throw Gone(containerId);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }
                if (!more) yield break;
                yield return logs.Current;
            }
        }
        finally
        {
            await logs.DisposeAsync();
        }
    }

    public async Task<ContainerFileContent> ReadFile(string containerId, string path, long maxBytes)
    {
        try
        {
            return await ContainerFiles.ReadAsync(Runtime, containerId, path, maxBytes, CancellationToken.None);
        }
        catch (PathNotFoundException)
        {
            throw BerthException.NotFound($"{path} does not exist in the container");
        }
        catch (ContainerNotFoundException)
        {
            throw Gone(containerId);
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not read {path} from container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task WriteFile(string containerId, string path, byte[] content, bool archive)
    {
        string directory;
        byte[] tar;
        if (archive)
        {
            (directory, tar) = (path, content);
        }
        else
        {
            var slash = path.LastIndexOf('/');
            directory = slash == 0 ? "/" : path[..slash];
            var (uid, gid) = await UserOfAsync(containerId);
            tar = ContainerFiles.SingleFileTar(path[(slash + 1)..], content, uid, gid, _clock.GetUtcNow());
        }
        try
        {
            using var stream = new MemoryStream(tar, writable: false);
            await Runtime.WriteArchiveAsync(containerId, directory, stream, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Docker.DotNet.DockerApiException { StatusCode: System.Net.HttpStatusCode.NotFound })
        {
            throw BerthException.NotFound($"directory {directory} does not exist in the container");
        }
        catch (Exception ex) when (ex is Docker.DotNet.DockerApiException { StatusCode: System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Forbidden })
        {
            throw BerthException.Invalid("path", $"the engine refused to write into {directory}: {((Docker.DotNet.DockerApiException)ex).ResponseBody.Trim()}");
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not write into {directory} of container {containerId}: {ex.GetType().Name}", _options.RetryAfterSeconds);
        }
    }

    public async Task<StateFileActivity> NewestFileChange(string containerId, string path)
    {
        // One exec: every file's modification time in seconds, one per line (none for an empty directory).
        var text = new System.Text.StringBuilder();
        await foreach (var e in Exec(containerId, new ExecRequest { Command = ["find", path, "-type", "f", "-exec", "stat", "-c", "%Y", "{}", "+"] }, TimeSpan.FromSeconds(30), CancellationToken.None))
        {
            if (e.Output is { Stream: OutputStream.Stdout } output) text.Append(System.Text.Encoding.UTF8.GetString(output.Data));
            if (e.Ended && e.ExitCode is not 0) return new StateFileActivity(false, null);
        }
        long? newest = null;
        foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(line, System.Globalization.CultureInfo.InvariantCulture, out var seconds)) return new StateFileActivity(false, null);
            if (newest is null || seconds > newest) newest = seconds;
        }
        return new StateFileActivity(true, newest is { } s ? DateTimeOffset.FromUnixTimeSeconds(s) : null);
    }

    /// <summary>The uid and gid the container runs as (so a written file is the workload's own); root when it cannot tell.</summary>
    private async Task<(int Uid, int Gid)> UserOfAsync(string containerId)
    {
        // One exec of `id`: "uid=1000(app) gid=1000(app) groups=…".
        var text = new System.Text.StringBuilder();
        try
        {
            await foreach (var e in Exec(containerId, new ExecRequest { Command = ["id"] }, TimeSpan.FromSeconds(10), CancellationToken.None))
            {
                if (e.Output is { Stream: OutputStream.Stdout } output) text.Append(System.Text.Encoding.UTF8.GetString(output.Data));
                if (e.Ended && e.ExitCode != 0) return (0, 0);
            }
        }
        catch (BerthException)
        {
            return (0, 0);
        }
        int IdOf(string name) =>
            System.Text.RegularExpressions.Regex.Match(text.ToString(), $@"\b{name}=(\d+)") is { Success: true } m && int.TryParse(m.Groups[1].Value, out var id) ? id : 0;
        return (IdOf("uid"), IdOf("gid"));
    }
}

using System.Collections.Concurrent;
using Berth.Errors;
using Berth.Runtime;

namespace Berth.Hosts;

/// <summary>
/// The interactive execs a host grain holds open, by id. A session lives as long as someone reads
/// its output (the reader's end closes it), so a gateway that goes away leaves nothing running.
/// </summary>
public sealed class ExecSessions
{
    private readonly ConcurrentDictionary<string, IContainerExec> _open = new(StringComparer.Ordinal);

    public int Count => _open.Count;

    public string Add(IContainerExec exec)
    {
        var id = Guid.NewGuid().ToString("N");
        _open[id] = exec;
        return id;
    }

    public IContainerExec Get(string id) =>
        _open.TryGetValue(id, out var exec) ? exec : throw BerthException.NotFound($"exec session '{id}' is not open (it ended, or its reader went away)");

    /// <summary>Kills the command if it still runs and forgets it; closing twice is not an error.</summary>
    public async Task CloseAsync(string id)
    {
        if (!_open.TryRemove(id, out var exec)) return;
        try
        {
            if (await exec.ExitCodeAsync(CancellationToken.None) is null) await exec.KillAsync(CancellationToken.None);
        }
        finally
        {
            await exec.DisposeAsync();
        }
    }
}

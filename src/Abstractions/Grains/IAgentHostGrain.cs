using Orleans.Concurrency;
using Berth.Specs;
using Berth.Contracts;

namespace Berth.Grains;

/// <summary>One Docker engine (key: host id). The only place that talks to Docker.</summary>
[Alias("Berth.Grains.IAgentHostGrain")]
public interface IAgentHostGrain : IGrainWithStringKey
{
    /// <summary>Creates a pool member in the background and reports to the workload's pool grain.</summary>
    [OneWay]
    [Alias("CreateMember")]
    Task CreateMember(MemberCreateRequest request);

    /// <summary>
    /// Creates, starts and waits for a member (cold claims): the caller waits, not the pool. A slow
    /// healthcheck may take up to the member creation deadline, so the call may last that long.
    /// </summary>
    [ResponseTimeout("00:02:30")]
    [Alias("CreateMemberNow")]
    Task<RunningContainer> CreateMemberNow(MemberCreateRequest request);

    /// <summary>Removes a member's container in the background and reports to the pool grain.</summary>
    [OneWay]
    [Alias("DestroyMember")]
    Task DestroyMember(string workload, string memberId, string? containerId);

    /// <summary>Removes a container (with its anonymous volumes) and returns when it is gone.</summary>
    [Alias("DestroyContainer")]
    Task DestroyContainer(string containerId);

    [Alias("HasImage")]
    Task<bool> HasImage(string image);

    /// <summary>Extracts a small tar (e.g. the tenant's secret files) into a directory of the container.</summary>
    [Alias("WriteFiles")]
    Task WriteFiles(string containerId, string path, byte[] tar);

    /// <summary>Stops a container and keeps it (and its state volume) for a later retry.</summary>
    [Alias("StopContainer")]
    Task StopContainer(string containerId);

    /// <summary>Freezes a container (docker pause): memory and files stay, nothing runs. Repeating it changes nothing.</summary>
    /// <summary>When a file under <paramref name="path"/> last changed (find and stat in the container, second precision).</summary>
    [Alias("NewestFileChange")]
    Task<StateFileActivity> NewestFileChange(string containerId, string path);

    [Alias("PauseContainer")]
    Task PauseContainer(string containerId);

    /// <summary>Lets a paused container run on, with no restore. Repeating it changes nothing.</summary>
    [Alias("UnpauseContainer")]
    Task UnpauseContainer(string containerId);

    /// <summary>Starts a stopped container again and waits until it serves (its healthcheck, when it has one); returns its new endpoints.</summary>
    [ResponseTimeout("00:05:00")]
    [Alias("StartContainer")]
    Task<RunningContainer> StartContainer(string containerId, Specs.HealthcheckSpec? healthcheck);

    /// <summary>
    /// Snapshots one directory of a container into a sink and verifies what the sink stored
    /// (checksum) before answering: only then may the container be destroyed. With
    /// <paramref name="addTo"/>, the snapshot is that older one with this directory's files added
    /// over it (mode <c>copy</c>: files deleted in the container stay). A path that does not exist
    /// is an empty snapshot; <paramref name="location"/> is the workload's own s3 setting, if any.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    [Alias("SaveSnapshot")]
    Task<SnapshotDigest> SaveSnapshot(string containerId, string path, SnapshotKey key, string sink, SinkLocation? location, long maxBytes, StoredSnapshot? addTo);

    /// <summary>
    /// Checks a snapshot (checksum, path safety) completely before writing any of it into the
    /// container. With <paramref name="volumeRoot"/> (the state volume <paramref name="path"/> lies in),
    /// the part is written through the volume, creating <paramref name="path"/> owned like the volume.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    [Alias("RestoreSnapshot")]
    Task RestoreSnapshot(string containerId, string path, StoredSnapshot snapshot, long maxBytes, string? volumeRoot);

    [Alias("GetView")]
    Task<HostView> GetView();

    /// <summary>Activates the grain so that its periodic sweep runs and reports to this workload's pool.</summary>
    [OneWay]
    [Alias("Subscribe")]
    Task Subscribe(string workload);

    /// <summary>Activates the grain (the registry's periodic call), so that it sweeps and heartbeats.</summary>
    [OneWay]
    [Alias("Wake")]
    Task Wake();

    /// <summary>A deleted and drained workload's pool no longer needs reports.</summary>
    [OneWay]
    [Alias("Unsubscribe")]
    Task Unsubscribe(string workload);

    /// <summary>
    /// Runs a command in a container of this host: its output as it comes, then one event that
    /// ends it (exit code, or timed out: the command is then killed). Leaving the stream kills it too.
    /// </summary>
    [Alias("Exec")]
    IAsyncEnumerable<ExecEvent> Exec(string containerId, ExecRequest request, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Starts an interactive command; the id names it to the calls below. It lives while <see cref="ReadExec"/> is read.</summary>
    [Alias("OpenExec")]
    Task<string> OpenExec(string containerId, ExecRequest request);

    [Alias("ReadExec")]
    IAsyncEnumerable<ExecEvent> ReadExec(string sessionId, CancellationToken cancellationToken = default);

    // Interleaved: they come while the session's output is being read.
    [Alias("WriteExec"), AlwaysInterleave]
    Task WriteExec(string sessionId, byte[] data);

    [Alias("CloseExecInput"), AlwaysInterleave]
    Task CloseExecInput(string sessionId);

    [Alias("ResizeExec"), AlwaysInterleave]
    Task ResizeExec(string sessionId, int columns, int rows);

    [Alias("CloseExec"), AlwaysInterleave]
    Task CloseExec(string sessionId);

    /// <summary>The container's stdout and stderr; with follow, until the caller leaves or the container stops.</summary>
    [Alias("Logs")]
    IAsyncEnumerable<OutputChunk> Logs(string containerId, LogsRequest request, CancellationToken cancellationToken = default);

    /// <summary>One file's bytes, or a directory as a tar; larger than <paramref name="maxBytes"/> is a 400.</summary>
    [Alias("ReadFile")]
    Task<ContainerFileContent> ReadFile(string containerId, string path, long maxBytes);

    /// <summary>Writes one file at <paramref name="path"/> (owned by the container's user), or with <paramref name="archive"/> extracts a tar into the directory <paramref name="path"/>.</summary>
    [Alias("WriteFile")]
    Task WriteFile(string containerId, string path, byte[] content, bool archive);

    /// <summary>
    /// Applies an operator's host stack: creates missing services, recreates changed ones, removes
    /// those no longer in the file, starting in depends_on order. With <paramref name="dryRun"/> only
    /// the plan. Applies of one stack run one at a time; the same file twice changes nothing.
    /// </summary>
    [ResponseTimeout("00:05:00")]
    [Alias("ApplyHostStack")]
    Task<HostStackApplyResult> ApplyHostStack(Specs.HostStackSpec spec, bool dryRun);

    /// <summary>The host's stacks as Docker runs them.</summary>
    [Alias("ListHostStacks")]
    Task<HostStackView[]> ListHostStacks();

    /// <summary>Null when the host runs no stack of that name.</summary>
    [Alias("GetHostStack")]
    Task<HostStackView?> GetHostStack(string name);

    /// <summary>Removes every container of the stack, then its network; false when there was none.</summary>
    [ResponseTimeout("00:02:00")]
    [Alias("RemoveHostStack")]
    Task<bool> RemoveHostStack(string name);
}

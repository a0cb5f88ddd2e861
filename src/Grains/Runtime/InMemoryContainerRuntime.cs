using System.Collections.Concurrent;
using System.Formats.Tar;
using Berth.Contracts;
using Berth.Network;
using Berth.Specs;

namespace Berth.Runtime;

/// <summary>
/// A container engine in memory, for grain unit tests, fault injection and control-plane
/// benchmarks. Never the only proof that a feature works: that takes the Docker runtime.
/// </summary>
public sealed class InMemoryContainerRuntime : IContainerRuntime
{
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new();
    /// <summary>Names in use, as Docker enforces; a set, so tens of thousands of containers stay cheap.</summary>
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _images;
    private int _nextPort = 40000;
    private readonly ConcurrentDictionary<string, int> _createsByWorkload = new();

    public InMemoryContainerRuntime(params string[] images) => _images = [.. images];

    /// <summary>Simulated create+start time.</summary>
    public TimeSpan CreateDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, every create fails with this message (a broken engine).</summary>
    public string? FailCreatesWith { get; set; }

    /// <summary>Creates of these images fail (a broken image), while others succeed.</summary>
    public ConcurrentDictionary<string, string> FailingImages { get; } = new();

    /// <summary>When set, reading a container's archive fails with this message (state cannot be saved).</summary>
    public string? FailArchiveReads { get; set; }

    /// <summary>When set, removing a container fails with this message (a step after a release's save fails).</summary>
    public string? FailRemoves { get; set; }

    /// <summary>When set, creates wait for it: proves that a caller does not wait on a create.</summary>
    public TaskCompletionSource? CreateGate { get; set; }

    /// <summary>When set, every call fails as if the engine's socket refused connections (engine down).</summary>
    public bool Unreachable { get; set; }

    private void ThrowIfUnreachable()
    {
        if (Unreachable) throw new HttpRequestException("Connection refused (simulated engine down)");
    }

    /// <summary>How many creates were asked for containers of one workload (failed ones too): a warm claim must not add to it.</summary>
    public int CreatesOf(string workload) => _createsByWorkload.GetValueOrDefault(workload);

    public IReadOnlyCollection<FakeContainer> Containers => [.. _containers.Values];

    /// <summary>Every image exists (the control-plane benchmark); otherwise only those added.</summary>
    public bool AcceptAnyImage { get; init; }

    public void AddImage(string image)
    {
        lock (_images) _images.Add(image);
    }

    /// <summary>Kills a container behind Berth's back (it stays listed as exited).</summary>
    public void Kill(string containerId)
    {
        if (_containers.TryGetValue(containerId, out var c)) c.State = "exited";
    }

    /// <summary>Makes a container's healthcheck report this status (e.g. "unhealthy").</summary>
    public void SetHealth(string containerId, string health)
    {
        if (_containers.TryGetValue(containerId, out var c)) c.Health = health;
    }

    /// <summary>Adds a running container behind Berth's back (e.g. an orphan with Berth's labels).</summary>
    public string AddForeign(IReadOnlyDictionary<string, string> labels)
    {
        var id = Guid.NewGuid().ToString("N");
        var spec = new ContainerCreateSpec { Name = "foreign-" + id, Image = "foreign", Labels = labels };
        _containers[id] = new FakeContainer(id, spec, []) { State = "running" };
        _names[spec.Name] = id;
        return id;
    }

    public async Task<string> CreateAsync(ContainerCreateSpec spec, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        _createsByWorkload.AddOrUpdate(spec.Labels.GetValueOrDefault(BerthLabels.Workload) ?? "", 1, (_, n) => n + 1);
        if (CreateDelay > TimeSpan.Zero) await Task.Delay(CreateDelay, cancellationToken);
        if (CreateGate is { } gate) await gate.Task.WaitAsync(cancellationToken);
        if (FailCreatesWith is { } failure) throw new InvalidOperationException(failure);
        if (FailingImages.TryGetValue(spec.Image, out var imageFailure)) throw new InvalidOperationException(imageFailure);
        lock (_images)
        {
            if (!AcceptAnyImage && !_images.Contains(spec.Image)) throw new ImageNotFoundException(spec.Image);
        }
        var id = Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        if (!_names.TryAdd(spec.Name, id))
        {
            throw new InvalidOperationException($"container name '{spec.Name}' is already in use");
        }
        var endpoints = spec.Ports
            .Select(p => new ContainerEndpoint(p.ContainerPort, p.Protocol, spec.PublishAddress, Interlocked.Increment(ref _nextPort)))
            .Concat(spec.PublishedPorts.Select(p => new ContainerEndpoint(p.ContainerPort, p.Protocol, p.HostIp ?? spec.PublishAddress, p.HostPort ?? Interlocked.Increment(ref _nextPort))))
            .ToArray();
        _containers[id] = new FakeContainer(id, spec, endpoints) { State = "created" };
        return id;
    }

    public Task StartAsync(string containerId, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (!_containers.TryGetValue(containerId, out var c)) throw new InvalidOperationException($"no container {containerId}");
        c.State = "running";
        return Task.CompletedTask;
    }

    public Task<ContainerInspection?> InspectAsync(string containerId, CancellationToken cancellationToken) =>
        Unreachable ? Task.FromException<ContainerInspection?>(new HttpRequestException("Connection refused (simulated engine down)")) : Task.FromResult(_containers.TryGetValue(containerId, out var c)
            ? new ContainerInspection(c.Id, c.State, c.HealthStatus, c.Endpoints, c.Spec.Labels, null)
            : null);

    public Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (FailRemoves is { } failure) throw new IOException(failure);
        if (_containers.TryRemove(containerId, out var removed)) _names.TryRemove(removed.Spec.Name, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ObservedContainer>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        IReadOnlyList<ObservedContainer> result = _containers.Values
            .Where(c => labels.All(l => c.Spec.Labels.TryGetValue(l.Key, out var v) && (l.Value.Length == 0 || v == l.Value)))
            .Select(c => new ObservedContainer(
                c.Id,
                c.Spec.Labels.GetValueOrDefault(BerthLabels.Member, ""),
                c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload, ""),
                c.State,
                c.HealthStatus,
                c.Spec.Labels.GetValueOrDefault(BerthLabels.Service),
                int.TryParse(c.Spec.Labels.GetValueOrDefault(BerthLabels.ServiceOrder), out var order) ? order : 0,
                c.Spec.Labels.GetValueOrDefault(BerthLabels.ServicePrimary) == "true",
                int.TryParse(c.Spec.Labels.GetValueOrDefault(BerthLabels.ServiceCount), out var count) ? count : 0,
                c.Spec.Labels.GetValueOrDefault(BerthLabels.Stack)))
            .ToList();
        return Task.FromResult(result);
    }

    public Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        lock (_images) return Task.FromResult(AcceptAnyImage || _images.Contains(image));
    }

    public Task StopAsync(string containerId, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (_containers.TryGetValue(containerId, out var c)) c.State = "exited";
        return Task.CompletedTask;
    }

    public Task PauseAsync(string containerId, CancellationToken cancellationToken) => SetRunState(containerId, from: "running", to: "paused");

    public Task UnpauseAsync(string containerId, CancellationToken cancellationToken) => SetRunState(containerId, from: "paused", to: "running");

    /// <summary>As Docker answers: a missing container is not found, a container in another state a conflict.</summary>
    private Task SetRunState(string containerId, string from, string to)
    {
        ThrowIfUnreachable();
        if (!_containers.TryGetValue(containerId, out var c)) throw new ContainerNotFoundException(containerId);
        if (c.State != from) throw new InvalidOperationException($"container {containerId} is {c.State}, not {from}");
        c.State = to;
        return Task.CompletedTask;
    }

    /// <summary>When set, archive reads (snapshots) wait for it: shows what waits behind a long save.</summary>
    public TaskCompletionSource? ArchiveReadGate { get; set; }

    public async Task<Stream> ReadArchiveAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        if (ArchiveReadGate is { } gate) await gate.Task.WaitAsync(cancellationToken);
        return await ReadArchiveNowAsync(containerId, path);
    }

    private Task<Stream> ReadArchiveNowAsync(string containerId, string path)
    {
        ThrowIfUnreachable();
        if (FailArchiveReads is { } failure) throw new IOException(failure);
        var c = _containers.TryGetValue(containerId, out var found) ? found : throw new ContainerNotFoundException(containerId);
        var root = path.TrimEnd('/');
        var name = Path.GetFileName(root);
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            if (c.Files.TryGetValue(root, out var single))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(single) });
            }
            else
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name + "/"));
                foreach (var (file, content) in c.Files.Where(f => f.Key.StartsWith(root + "/", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal))
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name + file[root.Length..]) { DataStream = new MemoryStream(content) });
                }
            }
        }
        output.Position = 0;
        return Task.FromResult<Stream>(output);
    }

    /// <summary>Files here carry no owner: every path is writable.</summary>
    public Task GiveVolumesToUserAsync(string containerId, ContainerCreateSpec spec, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task WriteArchiveAsync(string containerId, string path, Stream tar, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        var c = _containers.TryGetValue(containerId, out var found) ? found : throw new InvalidOperationException($"no container {containerId}");
        using var reader = new TarReader(tar, leaveOpen: true);
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                data.CopyTo(buffer);
                c.Files[$"{path.TrimEnd('/')}/{entry.Name.TrimStart('.', '/')}"] = buffer.ToArray();
            }
        }
        return Task.CompletedTask;
    }

    public Task<IContainerExec> StartExecAsync(string containerId, ExecRequest request, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (!_containers.TryGetValue(containerId, out var container)) throw new ContainerNotFoundException(containerId);
        if (container.State != "running") throw new ContainerNotRunningException(containerId);
        return Task.FromResult<IContainerExec>(new InMemoryContainerExec(request));
    }

    public async IAsyncEnumerable<OutputChunk> ReadLogsAsync(string containerId, LogsRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (!_containers.TryGetValue(containerId, out var container)) throw new ContainerNotFoundException(containerId);
        var sent = 0;
        var logs = container.Logs;
        lock (logs) sent = request.Tail is { } tail ? Math.Max(0, logs.Count - tail) : 0;
        while (true)
        {
            OutputChunk[] fresh;
            lock (logs) fresh = [.. logs.Skip(sent)];
            foreach (var chunk in fresh) yield return chunk;
            sent += fresh.Length;
            if (!request.Follow || container.State != "running" || !_containers.ContainsKey(containerId)) yield break;
            await Task.Delay(50, cancellationToken);
        }
    }

    public sealed class FakeContainer(string id, ContainerCreateSpec spec, ContainerEndpoint[] endpoints)
    {
        /// <summary>What the container printed, for the logs API; tests append to it.</summary>
        public List<OutputChunk> Logs { get; } = [];

        /// <summary>The container's files by absolute path, for the archive API.</summary>
        public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

        public string Id { get; } = id;
        public ContainerCreateSpec Spec { get; } = spec;
        public ContainerEndpoint[] Endpoints { get; } = endpoints;
        public volatile string State = "created";
        public volatile string? Health;

        /// <summary>Healthy by default when the spec has a healthcheck, unless a test says otherwise.</summary>
        public string? HealthStatus => Health ?? (Spec.Healthcheck is null ? null : "healthy");
    }

    private readonly ConcurrentDictionary<string, TenantNetwork> _networks = new(StringComparer.Ordinal);

    /// <summary>Stands for the engine's id in bridge names; unique per fake engine.</summary>
    public string EngineKey { get; } = EgressPolicy.Hash(Guid.NewGuid().ToString());

    public Task<TenantNetwork> EnsureTenantNetworkAsync(string prefix, EgressPolicy policy, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        var name = TenantNetworks.NetworkName(prefix, policy);
        return Task.FromResult(_networks.GetOrAdd(name, _ => new TenantNetwork(name, TenantNetworks.BridgeName(EngineKey, policy), policy, EngineKey)));
    }

    public Task<TenantNetwork> EnsureStackNetworkAsync(string name, EgressPolicy policy, System.Net.IPNetwork subnets,
        IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        _networkLabels.TryAdd(name, labels.ToDictionary());
        return Task.FromResult(_networks.GetOrAdd(name, _ => new TenantNetwork(name, TenantNetworks.StackBridgeName(EngineKey, name), policy, EngineKey)));
    }

    private readonly ConcurrentDictionary<string, Dictionary<string, string>> _networkLabels = new(StringComparer.Ordinal);

    /// <summary>Host stack networks: labelled like the others, but no tenant network.</summary>
    private readonly ConcurrentDictionary<string, bool> _hostStackNetworks = new(StringComparer.Ordinal);

    public Task EnsureHostStackNetworkAsync(string name, System.Net.IPNetwork subnets, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        if (!_networkLabels.TryAdd(name, labels.ToDictionary()) && !labels.All(l => _networkLabels[name].GetValueOrDefault(l.Key) == l.Value))
        {
            throw new InvalidOperationException($"network '{name}' exists but is not this host stack's network");
        }
        _hostStackNetworks[name] = true;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LabelledNetwork>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        return Task.FromResult<IReadOnlyList<LabelledNetwork>>([.. _networkLabels
            .Where(n => (_networks.ContainsKey(n.Key) || _hostStackNetworks.ContainsKey(n.Key)) && labels.All(l => n.Value.GetValueOrDefault(l.Key) == l.Value))
            .Select(n => new LabelledNetwork(n.Key, n.Value))]);
    }

    public Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        _networks.TryRemove(name, out _);
        _hostStackNetworks.TryRemove(name, out _);
        _networkLabels.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    /// <summary>The networks that exist (tenant and stack networks), for tests that check none is left behind.</summary>
    public IReadOnlyCollection<string> NetworkNames => [.. _networks.Keys, .. _hostStackNetworks.Keys];

    public Task<IReadOnlyList<TenantNetwork>> ListTenantNetworksAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnreachable();
        return Task.FromResult<IReadOnlyList<TenantNetwork>>([.. _networks.Values]);
    }
}

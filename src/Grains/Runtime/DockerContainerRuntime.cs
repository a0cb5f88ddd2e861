using System.Net;
using Berth.Contracts;
using Berth.Network;
using Berth.Specs;
using Berth.Telemetry;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Runtime;

/// <summary>
/// A real Docker engine through Docker.DotNet. Each engine call is a <c>docker.*</c> span
/// (<see cref="BerthSpans.Docker"/>) tagged with <paramref name="hostId"/> and the container.
/// <paramref name="localEngine"/>: the engine runs on this machine (a unix socket), so the machine's
/// routes show what its networks may not overlap.
/// </summary>
public sealed class DockerContainerRuntime(DockerClient client, string hostId, bool localEngine) : IContainerRuntime, IDisposable
{
    private const string IccOption = "com.docker.network.bridge.enable_icc";
    private const string BridgeNameOption = "com.docker.network.bridge.name";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TenantNetwork> _networksReady = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _networkLock = new(1, 1);

    public async Task<string> CreateAsync(ContainerCreateSpec spec, CancellationToken cancellationToken)
    {
        var bindings = spec.Ports.Select(p => (Key: p.ToString(), Binding: new PortBinding { HostIP = spec.PublishAddress, HostPort = "" }))
            .Concat(spec.PublishedPorts.Select(p => (Key: $"{p.ContainerPort}/{p.Protocol}", Binding: new PortBinding
            {
                HostIP = p.HostIp ?? spec.PublishAddress,
                HostPort = p.HostPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            })))
            .GroupBy(b => b.Key)
            .ToDictionary(g => g.Key, g => (IList<PortBinding>)[.. g.Select(b => b.Binding)]);
        var exposed = bindings.Keys.ToDictionary(k => k, _ => new EmptyStruct());
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Cmd = spec.Command,
            Env = spec.Environment.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = spec.Labels.ToDictionary(),
            User = spec.User,
            ExposedPorts = exposed,
            Volumes = spec.AnonymousVolumes.ToDictionary(v => v, _ => new EmptyStruct()),
            Healthcheck = spec.Healthcheck is { } hc
                ? new HealthConfig
                {
                    Test = hc.Test,
                    Interval = hc.Interval,
                    Timeout = hc.Timeout,
                    Retries = hc.Retries,
                    StartPeriod = (long)(hc.StartPeriod.TotalMilliseconds * 1_000_000),
                }
                : null,
            HostConfig = new HostConfig
            {
                PortBindings = bindings,
                ReadonlyRootfs = spec.ReadOnlyRootFilesystem,
                NetworkMode = spec.NetworkMode,
                Memory = spec.MemoryBytes ?? 0,
                NanoCPUs = spec.Cpus is { } cpus ? (long)(cpus * 1_000_000_000) : 0,
                PidsLimit = spec.PidsLimit,
                CapDrop = ["ALL"],
                CapAdd = spec.CapAdd.Count > 0 ? [.. spec.CapAdd] : null,
                SecurityOpt = ["no-new-privileges"],
                Privileged = spec.Privileged,
                PidMode = spec.PidMode ?? "",
                IpcMode = spec.IpcMode ?? "private",
                RestartPolicy = RestartPolicyOf(spec.RestartPolicy),
            },
            NetworkingConfig = spec.NetworkAliases.Count == 0 ? null : new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings> { [spec.NetworkMode] = new EndpointSettings { Aliases = [.. spec.NetworkAliases] } },
            },
        };
        using var span = BerthSpans.Docker("container.create", hostId);
        span?.SetTag("container.image.name", spec.Image);
        if (spec.Labels.TryGetValue(BerthLabels.Workload, out var workload)) span?.SetTag(BerthSpans.Workload, workload);
        try
        {
            var response = await client.Containers.CreateContainerAsync(parameters, cancellationToken);
            span?.SetTag(BerthSpans.Container, BerthSpans.ShortId(response.ID));
            return response.ID;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            BerthSpans.Failed(span, ex);
            throw new ImageNotFoundException(spec.Image);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    private static RestartPolicy? RestartPolicyOf(string? policy)
    {
        if (policy is null or "no") return null;
        var parts = policy.Split(':', 2);
        return new RestartPolicy
        {
            Name = parts[0] switch
            {
                "always" => RestartPolicyKind.Always,
                "unless-stopped" => RestartPolicyKind.UnlessStopped,
                "on-failure" => RestartPolicyKind.OnFailure,
                _ => throw new ArgumentException($"unknown restart policy '{policy}'", nameof(policy)),
            },
            MaximumRetryCount = parts.Length == 2 ? long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0,
        };
    }

    public async Task<TenantNetwork> EnsureTenantNetworkAsync(string prefix, EgressPolicy policy, CancellationToken cancellationToken)
    {
        var name = TenantNetworks.NetworkName(prefix, policy);
        if (_networksReady.TryGetValue(name, out var ready)) return ready;
        using var span = BerthSpans.Docker("network.ensure", hostId);
        span?.SetTag("network.name", name);
        await _networkLock.WaitAsync(cancellationToken);
        try
        {
            if (_networksReady.TryGetValue(name, out ready)) return ready;
            var engineKey = await EngineKeyAsync(cancellationToken);
            var bridge = TenantNetworks.BridgeName(engineKey, policy);
            var existing = await FindNetworkAsync(name, cancellationToken);
            if (existing is not null && existing.Labels?.ContainsKey(TenantNetworks.EgressLabel) == true && !IsFor(existing, bridge, policy)
                && (await client.Networks.InspectNetworkAsync(existing.ID, cancellationToken)).Containers is not { Count: > 0 })
            {
                // An empty network of an older Berth (other bridge naming): replaced rather than refused.
                await client.Networks.DeleteNetworkAsync(existing.ID, cancellationToken);
                existing = null;
            }
            if (existing is null)
            {
                try
                {
                    await client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                    {
                        Name = name,
                        Driver = "bridge",
                        CheckDuplicate = true,
                        Options = new Dictionary<string, string> { [IccOption] = "false", [BridgeNameOption] = bridge },
                        Labels = new Dictionary<string, string> { [BerthLabels.Managed] = "true", [TenantNetworks.EgressLabel] = policy.Canonical },
                    }, cancellationToken);
                }
                catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
                {
                    // Another silo created it a moment ago.
                }
                existing = await FindNetworkAsync(name, cancellationToken)
                    ?? throw new InvalidOperationException($"Docker network '{name}' vanished right after it was created");
            }
            if (existing.Options is null || !existing.Options.TryGetValue(IccOption, out var icc) || icc != "false")
            {
                throw new InvalidOperationException($"Docker network '{name}' exists but lets containers reach each other ({IccOption} is not false); remove it or set Berth:Security:TenantNetwork");
            }
            if (!IsFor(existing, bridge, policy))
            {
                throw new InvalidOperationException($"Docker network '{name}' exists but is not Berth's network for egress policy '{policy.Canonical}' (bridge {bridge}); remove it");
            }
            return _networksReady[name] = new TenantNetwork(name, bridge, policy, engineKey);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
        finally
        {
            _networkLock.Release();
        }
    }

    public async Task<TenantNetwork> EnsureStackNetworkAsync(string name, EgressPolicy policy, IPNetwork subnets,
        IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("network.ensure", hostId);
        span?.SetTag("network.name", name);
        // One choice of subnet at a time on this engine: two creates never pick the same one.
        await _networkLock.WaitAsync(cancellationToken);
        try
        {
            var engineKey = await EngineKeyAsync(cancellationToken);
            var bridge = TenantNetworks.StackBridgeName(engineKey, name);
            var listed = await client.Networks.ListNetworksAsync(new NetworksListParameters(), cancellationToken);
            var existing = listed.FirstOrDefault(n => n.Name == name);
            if (existing is null)
            {
                await CreateSubnetNetworkAsync(name, subnets, listed,
                    new Dictionary<string, string> { [IccOption] = "true", [BridgeNameOption] = bridge },
                    new Dictionary<string, string>(labels) { [BerthLabels.Managed] = "true", [TenantNetworks.EgressLabel] = policy.Canonical }, cancellationToken);
                existing = await FindNetworkAsync(name, cancellationToken)
                    ?? throw new InvalidOperationException($"Docker network '{name}' vanished right after it was created");
            }
            if (!IsFor(existing, bridge, policy))
            {
                throw new InvalidOperationException($"Docker network '{name}' exists but is not Berth's stack network (bridge {bridge}, policy '{policy.Canonical}'); remove it");
            }
            return new TenantNetwork(name, bridge, policy, engineKey);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
        finally
        {
            _networkLock.Release();
        }
    }

    /// <summary>
    /// Creates the network on a free subnet of <paramref name="subnets"/>: free of the engine's own
    /// networks and, for an engine on this machine, of the machine's routes (other engines' bridges).
    /// A subnet the engine still refuses (taken since the listing) is skipped and the next one tried.
    /// </summary>
    private async Task CreateSubnetNetworkAsync(string name, IPNetwork subnets, IEnumerable<NetworkResponse> listed,
        Dictionary<string, string> options, Dictionary<string, string> labels, CancellationToken cancellationToken)
    {
        var taken = listed
            .SelectMany(n => n.IPAM?.Config ?? [])
            .Select(c => IPNetwork.TryParse(c.Subnet ?? "", out var subnet) ? subnet : (IPNetwork?)null)
            .OfType<IPNetwork>()
            .Concat(localEngine ? StackSubnets.HostRoutes() : [])
            .ToList();
        const int attempts = 8;
        for (var attempt = 1; ; attempt++)
        {
            var subnet = StackSubnets.Choose(subnets, name, taken)
                ?? throw new InvalidOperationException($"no free /{StackSubnets.PrefixLength} is left in Berth:Security:StackSubnets ({subnets}) for stack network '{name}': "
                    + "remove stack members or give a larger range");
            try
            {
                await client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                {
                    Name = name,
                    Driver = "bridge",
                    CheckDuplicate = true,
                    IPAM = new IPAM
                    {
                        Driver = "default",
                        Config = [new IPAMConfig { Subnet = subnet.ToString(), Gateway = StackSubnets.Gateway(subnet).ToString() }],
                    },
                    Options = options,
                    Labels = labels,
                }, cancellationToken);
                return;
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
            {
                // A retried create of the same member: the network is there already.
                return;
            }
            catch (DockerApiException ex) when (attempt < attempts && ex.ResponseBody.Contains("overlap", StringComparison.OrdinalIgnoreCase))
            {
                taken.Add(subnet);
            }
        }
    }

    public async Task EnsureHostStackNetworkAsync(string name, IPNetwork subnets, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("network.ensure", hostId);
        span?.SetTag("network.name", name);
        await _networkLock.WaitAsync(cancellationToken);
        try
        {
            var listed = await client.Networks.ListNetworksAsync(new NetworksListParameters(), cancellationToken);
            var existing = listed.FirstOrDefault(n => n.Name == name);
            if (existing is null)
            {
                // No bridge name of Berth's and no egress label: the tenant firewall never filters an operator's stack.
                await CreateSubnetNetworkAsync(name, subnets, listed, new Dictionary<string, string> { [IccOption] = "true" }, labels.ToDictionary(), cancellationToken);
            }
            else if (!labels.All(l => existing.Labels?.TryGetValue(l.Key, out var value) == true && value == l.Value))
            {
                throw new InvalidOperationException($"Docker network '{name}' exists but is not this host stack's network (labels differ); remove it or rename the stack");
            }
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
        finally
        {
            _networkLock.Release();
        }
    }

    public async Task RemoveNetworkAsync(string name, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("network.remove", hostId);
        span?.SetTag("network.name", name);
        try
        {
            await client.Networks.DeleteNetworkAsync(name, cancellationToken);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task<IReadOnlyList<LabelledNetwork>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("network.list", hostId);
        var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels.ToDictionary(l => $"{l.Key}={l.Value}", _ => true) },
        }, cancellationToken);
        return [.. networks.Select(n => new LabelledNetwork(n.Name, n.Labels?.ToDictionary() ?? []))];
    }

    public async Task<IReadOnlyList<TenantNetwork>> ListTenantNetworksAsync(CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("network.list", hostId);
        var engineKey = await EngineKeyAsync(cancellationToken);
        var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [TenantNetworks.EgressLabel] = true } },
        }, cancellationToken);
        return [.. networks
            .Where(n => n.Options is not null && n.Options.TryGetValue(BridgeNameOption, out var b) && b.StartsWith(TenantNetworks.BridgePrefix, StringComparison.Ordinal))
            .Select(n => new TenantNetwork(n.Name, n.Options[BridgeNameOption], TenantNetworks.PolicyOf(n.Labels), engineKey))];
    }

    private static bool IsFor(NetworkResponse network, string bridge, EgressPolicy policy) =>
        network.Options is not null && network.Options.TryGetValue(BridgeNameOption, out var actual) && actual == bridge
        && TenantNetworks.PolicyOf(network.Labels).Canonical == policy.Canonical;

    private async Task<NetworkResponse?> FindNetworkAsync(string name, CancellationToken cancellationToken) =>
        (await client.Networks.ListNetworksAsync(new NetworksListParameters(), cancellationToken)).FirstOrDefault(n => n.Name == name);

    /// <summary>
    /// Names the engine's bridges and firewall chain. The engine id alone is not enough: engines on
    /// one machine share it (it comes from /etc/docker, not the data root), and two engines using one
    /// bridge name would share one bridge.
    /// </summary>
    private async Task<string> EngineKeyAsync(CancellationToken cancellationToken)
    {
        if (_engineKey is { } known) return known;
        var info = await client.System.GetSystemInfoAsync(cancellationToken);
        return _engineKey = EgressPolicy.Hash($"{info.ID}|{info.DockerRootDir}");
    }

    private string? _engineKey;

    public async Task StartAsync(string containerId, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("container.start", hostId, containerId);
        try
        {
            await client.Containers.StartContainerAsync(containerId, new ContainerStartParameters(), cancellationToken);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task<ContainerInspection?> InspectAsync(string containerId, CancellationToken cancellationToken)
    {
        ContainerInspectResponse response;
        using (var span = BerthSpans.Docker("container.inspect", hostId, containerId))
        {
            try
            {
                response = await client.Containers.InspectContainerAsync(containerId, cancellationToken);
                span?.SetTag("container.state", response.State?.Status);
            }
            catch (DockerContainerNotFoundException)
            {
                span?.SetTag("container.state", "absent");
                return null;
            }
            catch (Exception ex) when (BerthSpans.Failed(span, ex))
            {
                throw;
            }
        }
        var endpoints = new List<ContainerEndpoint>();
        foreach (var (key, bindings) in response.NetworkSettings?.Ports ?? new Dictionary<string, IList<PortBinding>>())
        {
            if (bindings is null) continue;
            var parts = key.Split('/');
            var containerPort = int.Parse(parts[0]);
            var protocol = parts.Length > 1 ? parts[1] : "tcp";
            // The engine may list the same binding for IPv4 and IPv6; keep one per host port (a host
            // stack may publish one container port on several).
            foreach (var binding in bindings.Where(b => !string.IsNullOrEmpty(b.HostPort)).DistinctBy(b => b.HostPort))
            {
                endpoints.Add(new ContainerEndpoint(containerPort, protocol, binding.HostIP, int.Parse(binding.HostPort)));
            }
        }
        return new ContainerInspection(
            response.ID,
            response.State?.Status ?? "unknown",
            response.State?.Health?.Status is { Length: > 0 } health ? health : null,
            [.. endpoints.OrderBy(e => e.ContainerPort).ThenBy(e => e.HostPort)],
            response.Config?.Labels is { } labels ? labels.ToDictionary() : new Dictionary<string, string>(),
            string.IsNullOrEmpty(response.State?.Error) ? null : response.State!.Error);
    }

    public async Task RemoveAsync(string containerId, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("container.remove", hostId, containerId);
        try
        {
            await client.Containers.RemoveContainerAsync(
                containerId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            span?.SetTag("container.state", "absent");
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && ex.ResponseBody.Contains("already in progress"))
        {
            // Another remove of the same container is under way; it will finish the job.
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task<IReadOnlyList<ObservedContainer>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        // An empty value asks only that the label be there.
        var filter = labels.ToDictionary(kv => kv.Value.Length == 0 ? kv.Key : $"{kv.Key}={kv.Value}", _ => true);
        using var span = BerthSpans.Docker("container.list", hostId);
        var containers = await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = filter },
            },
            cancellationToken);
        return containers
            .Select(c => new ObservedContainer(
                c.ID,
                c.Labels.TryGetValue(BerthLabels.Member, out var member) ? member : "",
                c.Labels.TryGetValue(BerthLabels.Workload, out var workload) ? workload : "",
                c.State,
                HealthFromStatus(c.Status),
                c.Labels.TryGetValue(BerthLabels.Service, out var service) ? service : null,
                c.Labels.TryGetValue(BerthLabels.ServiceOrder, out var order) && int.TryParse(order, out var place) ? place : 0,
                c.Labels.TryGetValue(BerthLabels.ServicePrimary, out var primary) && primary == "true",
                c.Labels.TryGetValue(BerthLabels.ServiceCount, out var count) && int.TryParse(count, out var services) ? services : 0,
                c.Labels.TryGetValue(BerthLabels.Stack, out var stack) ? stack : null))
            .ToList();
    }

    public async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("image.inspect", hostId);
        span?.SetTag("container.image.name", image);
        try
        {
            await client.Images.InspectImageAsync(image, cancellationToken);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task StopAsync(string containerId, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("container.stop", hostId, containerId);
        try
        {
            await client.Containers.StopContainerAsync(containerId, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, cancellationToken);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task PauseAsync(string containerId, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("container.pause", hostId, containerId);
        try
        {
            await client.Containers.PauseContainerAsync(containerId, cancellationToken);
        }
        catch (DockerContainerNotFoundException ex)
        {
            BerthSpans.Failed(span, ex);
            throw new ContainerNotFoundException(containerId);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task UnpauseAsync(string containerId, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("container.unpause", hostId, containerId);
        try
        {
            await client.Containers.UnpauseContainerAsync(containerId, cancellationToken);
        }
        catch (DockerContainerNotFoundException ex)
        {
            BerthSpans.Failed(span, ex);
            throw new ContainerNotFoundException(containerId);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task<Stream> ReadArchiveAsync(string containerId, string path, CancellationToken cancellationToken)
    {
        // The span covers the engine's answer; the caller reads the stream after it.
        using var span = BerthSpans.Docker("archive.get", hostId, containerId);
        span?.SetTag("file.path", path);
        try
        {
            var response = await client.Containers.GetArchiveFromContainerAsync(
                containerId, new GetArchiveFromContainerParameters { Path = path }, statOnly: false, cancellationToken);
            return response.Stream;
        }
        catch (Exception ex) when (ex is DockerContainerNotFoundException || (ex is DockerApiException api && api.StatusCode == HttpStatusCode.NotFound))
        {
            // The engine answers 404 both for a missing container and for a missing path in it.
            BerthSpans.Failed(span, ex);
            if (await InspectAsync(containerId, cancellationToken) is null) throw new ContainerNotFoundException(containerId);
            throw new PathNotFoundException(containerId, path);
        }
    }

    public async Task<IContainerExec> StartExecAsync(string containerId, ExecRequest request, CancellationToken cancellationToken)
    {
        if (await InspectAsync(containerId, cancellationToken) is not { } inspection) throw new ContainerNotFoundException(containerId);
        if (inspection.State != "running") throw new ContainerNotRunningException(containerId);
        // The span covers creating and attaching; the command then runs as long as its caller reads.
        using var span = BerthSpans.Docker("container.exec", hostId, containerId);
        try
        {
            return await DockerContainerExec.StartAsync(client, containerId, request, cancellationToken);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async IAsyncEnumerable<OutputChunk> ReadLogsAsync(string containerId, LogsRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await InspectAsync(containerId, cancellationToken) is null) throw new ContainerNotFoundException(containerId);
        MultiplexedStream opened;
        // Opening the stream only: a followed log may run for hours.
        using (BerthSpans.Docker("container.logs", hostId, containerId))
        {
            opened = await client.Containers.GetContainerLogsAsync(containerId, tty: false, new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Follow = request.Follow,
                Tail = request.Tail is { } tail ? tail.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all",
                Since = request.Since is { } since ? since.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            }, cancellationToken);
        }
        using var stream = opened;
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF || read.Count == 0) yield break;
            yield return new OutputChunk(read.Target == MultiplexedStream.TargetStream.StandardError ? OutputStream.Stderr : OutputStream.Stdout, buffer[..read.Count]);
        }
    }

    public async Task GiveVolumesToUserAsync(string containerId, ContainerCreateSpec spec, CancellationToken cancellationToken)
    {
        if (spec.UserVolumes.Count == 0) return;
        using var span = BerthSpans.Docker("volumes.chown", hostId, containerId);
        try
        {
            await DockerVolumeOwnership.GiveToUserAsync(client, containerId, spec, cancellationToken);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    public async Task WriteArchiveAsync(string containerId, string path, Stream tar, CancellationToken cancellationToken)
    {
        using var span = BerthSpans.Docker("archive.put", hostId, containerId);
        span?.SetTag("file.path", path);
        try
        {
            await client.Containers.ExtractArchiveToContainerAsync(
                containerId, new ContainerPathStatParameters { Path = path, AllowOverwriteDirWithFile = false }, tar, cancellationToken);
        }
        catch (Exception ex) when (BerthSpans.Failed(span, ex))
        {
            throw;
        }
    }

    /// <summary><c>docker ps</c> shows health in the status text: "Up 3 seconds (healthy)".</summary>
    private static string? HealthFromStatus(string? status) => status switch
    {
        null => null,
        _ when status.Contains("(unhealthy)") => "unhealthy",
        _ when status.Contains("(healthy)") => "healthy",
        _ when status.Contains("(health: starting)") => "starting",
        _ => null,
    };

    public void Dispose() => client.Dispose();
}

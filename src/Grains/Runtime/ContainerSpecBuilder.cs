using Berth.Configuration;
using Berth.Contracts;
using Berth.Network;
using Berth.Specs;

namespace Berth.Runtime;

/// <summary>Turns a workload spec into the container to create: labels, limits and hardening defaults.</summary>
public static class ContainerSpecBuilder
{
    public static ContainerCreateSpec Build(MemberCreateRequest request, DockerHostOptions host, BerthOptions options)
    {
        var spec = request.Spec;
        var bridge = spec.NetworkMode == "bridge";
        return BuildContainer(request, Shape(spec), host, options,
            ContainerName(options.ClusterId, spec.Id, request.MemberId),
            bridge ? TenantNetworks.NetworkName(options.Security.TenantNetwork, spec.Egress) : spec.NetworkMode,
            bridge ? spec.Egress : null,
            extraLabels: []);
    }

    /// <summary>
    /// A stack member's containers, in start order: each service on the member's own network
    /// (<see cref="TenantNetworks.StackNetworkName"/>) under its name, all under the member's label.
    /// </summary>
    public static IReadOnlyList<(ServiceSpec Service, ContainerCreateSpec Container)> BuildStack(MemberCreateRequest request, DockerHostOptions host, BerthOptions options)
    {
        var spec = request.Spec;
        var network = TenantNetworks.StackNetworkName(options.Security.TenantNetwork, request.MemberId);
        var primary = spec.Services![0].Name;
        return [.. spec.StartOrder().Select((service, order) => (service, BuildContainer(request, service, host, options,
            $"{ContainerName(options.ClusterId, spec.Id, request.MemberId)}-{service.Name}",
            network, spec.Egress,
            extraLabels: new Dictionary<string, string>
            {
                [BerthLabels.Service] = service.Name,
                [BerthLabels.ServiceOrder] = order.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [BerthLabels.ServicePrimary] = service.Name == primary ? "true" : "false",
                [BerthLabels.ServiceCount] = spec.Services.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }) with { NetworkAliases = [service.Name] }))];
    }

    /// <summary>The container-shaped fields of a one-container workload, as a service.</summary>
    private static ServiceSpec Shape(WorkloadSpec spec) => new()
    {
        Name = spec.Id,
        Image = spec.Image,
        Command = spec.Command,
        Environment = spec.Environment,
        Volumes = spec.Volumes,
        Ports = spec.Ports,
        Healthcheck = spec.Healthcheck,
        Limits = spec.Limits,
        ReadOnly = spec.ReadOnly,
        User = spec.User,
    };

    private static ContainerCreateSpec BuildContainer(MemberCreateRequest request, ServiceSpec service, DockerHostOptions host, BerthOptions options,
        string name, string networkMode, Specs.EgressPolicy? egress, Dictionary<string, string> extraLabels)
    {
        var spec = request.Spec;
        var labels = new Dictionary<string, string>(extraLabels)
        {
            [BerthLabels.Managed] = "true",
            [BerthLabels.Cluster] = options.ClusterId,
            [BerthLabels.Workload] = spec.Id,
            [BerthLabels.Host] = host.Id,
            [BerthLabels.Member] = request.MemberId,
            [BerthLabels.Spec] = request.SpecVersion,
        };
        if (request.TenantId is not null)
        {
            labels[BerthLabels.Tenant] = request.TenantId;
        }

        // The state directory is a volume: it exists in a fresh container (holding the image's
        // files there, if any), a restore can write into it on a read-only root, and it goes with
        // the container. Synced mappings are paths inside it.
        var volumes = new List<string>();
        if (service.Volumes.StateTarget is { } state) volumes.Add(state);
        // Secrets are written in at claim time through the archive API, which needs a writable mount;
        // the files themselves are read-only, and the volume goes with the container.
        if (service.Volumes.SecretsTarget is { } secrets) volumes.Add(secrets);

        return new ContainerCreateSpec
        {
            Name = name,
            Image = service.Image,
            Command = service.Command,
            Environment = service.Environment,
            Labels = labels,
            User = service.User ?? options.Security.DefaultUser,
            ReadOnlyRootFilesystem = service.ReadOnly,
            NetworkMode = networkMode,
            Egress = egress,
            MemoryBytes = service.Limits.MemoryBytes ?? options.Security.DefaultMemoryBytes,
            Cpus = service.Limits.Cpus ?? options.Security.DefaultCpus,
            Privileged = spec.Privileged,
            CapAdd = spec.CapAdd,
            PidMode = spec.PidMode,
            IpcMode = spec.IpcMode,
            PidsLimit = options.DefaultPidsLimit,
            Ports = service.Ports,
            PublishAddress = host.PublishAddress,
            Healthcheck = service.Healthcheck,
            AnonymousVolumes = volumes,
            UserVolumes = service.Volumes.StateTarget is { } writable ? [writable] : [],
        };
    }

    /// <summary>Readable in <c>docker ps</c> and unique per member.</summary>
    public static string ContainerName(string clusterId, string workload, string memberId) =>
        $"berth-{Sanitize(clusterId)}-{Sanitize(workload)}-{memberId}";

    private static string Sanitize(string value) =>
        new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
}

using Berth.Configuration;
using Berth.Contracts;
using Berth.Network;

namespace Berth.Runtime;

/// <summary>Turns a workload spec into the container to create: labels, limits and hardening defaults.</summary>
public static class ContainerSpecBuilder
{
    public static ContainerCreateSpec Build(MemberCreateRequest request, DockerHostOptions host, BerthOptions options)
    {
        var spec = request.Spec;
        var labels = new Dictionary<string, string>
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
        if (spec.Volumes.StateTarget is { } state) volumes.Add(state);
        // Secrets are written in at claim time through the archive API, which needs a writable mount;
        // the files themselves are read-only, and the volume goes with the container.
        if (spec.Volumes.SecretsTarget is { } secrets) volumes.Add(secrets);

        return new ContainerCreateSpec
        {
            Name = ContainerName(options.ClusterId, spec.Id, request.MemberId),
            Image = spec.Image,
            Command = spec.Command,
            Environment = spec.Environment,
            Labels = labels,
            User = spec.User ?? options.Security.DefaultUser,
            ReadOnlyRootFilesystem = spec.ReadOnly,
            NetworkMode = spec.NetworkMode == "bridge" ? TenantNetworks.NetworkName(options.Security.TenantNetwork, spec.Egress) : spec.NetworkMode,
            Egress = spec.NetworkMode == "bridge" ? spec.Egress : null,
            MemoryBytes = spec.Limits.MemoryBytes ?? options.Security.DefaultMemoryBytes,
            Cpus = spec.Limits.Cpus ?? options.Security.DefaultCpus,
            Privileged = spec.Privileged,
            CapAdd = spec.CapAdd,
            PidMode = spec.PidMode,
            IpcMode = spec.IpcMode,
            PidsLimit = options.DefaultPidsLimit,
            Ports = spec.Ports,
            PublishAddress = host.PublishAddress,
            Healthcheck = spec.Healthcheck,
            AnonymousVolumes = volumes,
            UserVolumes = spec.Volumes.StateTarget is { } writable ? [writable] : [],
        };
    }

    /// <summary>Readable in <c>docker ps</c> and unique per member.</summary>
    public static string ContainerName(string clusterId, string workload, string memberId) =>
        $"berth-{Sanitize(clusterId)}-{Sanitize(workload)}-{memberId}";

    private static string Sanitize(string value) =>
        new(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
}

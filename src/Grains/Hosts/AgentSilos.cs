using Orleans.Runtime.MembershipService.SiloMetadata;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Hosts;

/// <summary>
/// Which silo is the agent of which host: agent silos say so in their silo metadata
/// (<see cref="MetadataKey"/>). Without silo metadata (in-process test clusters) there are no agents.
/// </summary>
public sealed class AgentSilos(IServiceProvider services, IClusterMembershipService membership)
{
    public const string MetadataKey = "berth.agent.host";

    private readonly ISiloMetadataCache? _metadata = services.GetService<ISiloMetadataCache>();

    /// <summary>
    /// The active agent silo of the host, or null when none is in the cluster. An agent restarted
    /// before its old process is declared dead is listed twice: the newest generation wins.
    /// </summary>
    public SiloAddress? SiloOf(string hostId)
    {
        if (_metadata is null) return null;
        SiloAddress? newest = null;
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status == SiloStatus.Active && AgentHostOf(member.SiloAddress) == hostId
                && (newest is null || member.SiloAddress.Generation > newest.Generation)) newest = member.SiloAddress;
        }
        return newest;
    }

    public string? AgentHostOf(SiloAddress silo) =>
        _metadata?.GetSiloMetadata(silo).Metadata.TryGetValue(MetadataKey, out var hostId) == true ? hostId : null;
}

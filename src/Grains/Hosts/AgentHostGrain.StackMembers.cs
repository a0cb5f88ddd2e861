using Berth.Contracts;
using Berth.Network;
using Berth.Runtime;
using Berth.Specs;

namespace Berth.Hosts;

/// <summary>
/// Stack members (<c>services:</c>): one container per service on the member's own network. The
/// primary container is the member's handle; every call given any container of a stack acts on
/// the whole stack.
/// </summary>
public sealed partial class AgentHostGrain
{
    private async Task<RunningContainer> ProvisionStackAsync(MemberProvisioner provisioner, MemberCreateRequest request,
        IReadOnlyList<(ServiceSpec Service, ContainerCreateSpec Container)> plan, CancellationToken cancellationToken)
    {
        try
        {
            var container = await provisioner.ProvisionStackAsync(plan, [.. request.Spec.Services!.Select(s => s.Name)], cancellationToken);
            var primary = request.Spec.Services![0].Name;
            _stacks.Add([.. plan.Select((p, order) => new StackContainer(request.MemberId, p.Service.Name,
                container.ContainerIdOf(p.Service.Name)!, order, p.Service.Name == primary))], _clock.GetUtcNow());
            return container;
        }
        catch
        {
            await RemoveStackNetworkAsync(request.MemberId);
            throw;
        }
    }

    /// <summary>
    /// Every container under the member's label (all of a stack's services), then its stack network.
    /// With <paramref name="anyNetwork"/> the network is tried even when no container says the member
    /// was a stack: a create that died between making the network and its first container leaves one.
    /// </summary>
    private async Task RemoveMemberContainersAsync(string memberId, bool anyNetwork = false)
    {
        var labelled = await Runtime.ListAsync(MemberLabels(memberId), CancellationToken.None);
        foreach (var container in labelled)
        {
            await Runtime.RemoveAsync(container.ContainerId, CancellationToken.None);
        }
        if (anyNetwork || _stacks.Member(memberId) is not null || labelled.Any(c => c.Service is not null))
        {
            await RemoveStackNetworkAsync(memberId);
        }
        _stacks.Forget(memberId);
    }

    /// <summary>Members whose create runs here now: a stack member's network exists before its first container.</summary>
    private readonly HashSet<string> _membersCreating = new(StringComparer.Ordinal);

    /// <summary>
    /// Removes this host's stack networks whose member has no container (in <paramref name="listed"/>,
    /// taken just before), is not being created and was not created since: left by a create that died
    /// between its network and its first container, or by a removal that failed. Each holds a subnet.
    /// </summary>
    private async Task RemoveOrphanStackNetworksAsync(IReadOnlyList<ObservedContainer> listed, CancellationToken cancellationToken)
    {
        IReadOnlyList<LabelledNetwork> networks;
        try
        {
            networks = await Runtime.ListNetworksAsync(new Dictionary<string, string>
            {
                [BerthLabels.Managed] = "true",
                [BerthLabels.Cluster] = _options.ClusterId,
                [BerthLabels.Host] = HostId,
            }, cancellationToken);
        }
        catch (Exception ex)
        {
            _logger.LogDebug("Host {Host} could not list its stack networks: {Error}", HostId, ex.Message);
            return;
        }
        var members = listed.Select(c => c.MemberId).ToHashSet(StringComparer.Ordinal);
        foreach (var network in networks)
        {
            if (!network.Labels.TryGetValue(BerthLabels.Member, out var member)
                || members.Contains(member) || _membersCreating.Contains(member) || _stacks.Member(member) is not null)
            {
                continue;
            }
            _logger.LogInformation("Removing stack network {Network} on {Host}: member {Member} has no container", network.Name, HostId, member);
            await RemoveStackNetworkAsync(member, network.Name);
        }
    }

    private async Task RemoveStackNetworkAsync(string memberId, string? name = null)
    {
        try
        {
            await Runtime.RemoveNetworkAsync(name ?? TenantNetworks.StackNetworkName(_options.Security.TenantNetwork, memberId), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // An empty network holds nothing of a tenant's; the next removal of the member tries again.
            _logger.LogWarning("Could not remove the stack network of member {Member} on {Host}: {Error}", memberId, HostId, ex.Message);
        }
    }

    /// <summary>The stack <paramref name="containerId"/> belongs to, in start order; null for a one-container member.</summary>
    private async Task<IReadOnlyList<StackContainer>?> StackOfAsync(string containerId)
    {
        if (_stacks.StackOf(containerId) is { } known) return known;
        if (_stacks.Listed) return null;
        // A fresh activation that has not swept yet: one listing of the host's stack containers.
        var listedAt = _clock.GetUtcNow();
        try
        {
            var listed = await Runtime.ListAsync(new Dictionary<string, string>
            {
                [BerthLabels.Managed] = "true",
                [BerthLabels.Cluster] = _options.ClusterId,
                [BerthLabels.Host] = HostId,
                [BerthLabels.Service] = "",
            }, CancellationToken.None);
            _stacks.Replace(listed, listedAt);
        }
        catch (Exception ex)
        {
            // The call itself then meets the engine's answer (and its own error) on the container.
            _logger.LogDebug("Host {Host} could not list its stack containers: {Error}", HostId, ex.Message);
            return null;
        }
        return _stacks.StackOf(containerId);
    }

    /// <summary>The containers a call on <paramref name="containerId"/> acts on: its whole stack (in start order, or reversed), or itself.</summary>
    private async Task<IReadOnlyList<string>> ContainersOfAsync(string containerId, bool reverse)
    {
        if (await StackOfAsync(containerId) is not { } stack) return [containerId];
        var ids = stack.Select(c => c.ContainerId);
        return [.. reverse ? ids.Reverse() : ids];
    }
}

namespace Berth.Client.Models;

/// <summary>A host stack as Docker runs it (<c>GET /hosts/{hostId}/stacks/{stack}</c>): its services in start order.</summary>
public sealed record HostStack(string Name, string HostId, string Network, HostStackService[] Services);

/// <summary>One service's container: Docker's <see cref="State"/> (running, exited, …), its health when it has a check, its published ports.</summary>
public sealed record HostStackService(string Service, string ContainerId, string Image, string State, string? Health, ContainerEndpoint[] Ports);

/// <summary>What an apply does (or did) to one service: <c>create</c>, <c>update</c>, <c>remove</c> or <c>unchanged</c>, with the fields that differ (secrets as <c>secret:NAME</c>).</summary>
public sealed record HostStackChange(string Service, string Action, string[] Fields);

/// <summary>
/// The answer to <c>PUT /hosts/{hostId}/stacks/{stack}</c>: the plan, whether it was carried out (false for a diff),
/// and the stack afterwards (null for a diff).
/// </summary>
public sealed record HostStackApplyResult(string Name, bool Applied, HostStackChange[] Plan, HostStack? Stack);

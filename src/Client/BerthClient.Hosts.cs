using System.Net.Http.Json;
using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/hosts</c>: the Docker hosts, cordon and drain.</summary>
public sealed partial class BerthClient
{
    public Task<HostInfo[]> ListHostsAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostInfo[]>(() => Request(HttpMethod.Get, "/hosts"), cancellationToken);

    public Task<HostInfo> GetHostAsync(string hostId, CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostInfo>(() => Request(HttpMethod.Get, $"/hosts/{Escape(hostId)}"), cancellationToken);

    public Task<HostInfo> CordonHostAsync(string hostId, CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostInfo>(() => Request(HttpMethod.Post, $"/hosts/{Escape(hostId)}/cordon"), cancellationToken);

    public Task<HostInfo> UncordonHostAsync(string hostId, CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostInfo>(() => Request(HttpMethod.Post, $"/hosts/{Escape(hostId)}/uncordon"), cancellationToken);

    /// <summary>Starts a drain; <c>OperationId</c> names its operation when the gateway tracks it as one.</summary>
    public async Task<HostDrainStarted> DrainHostAsync(string hostId, bool evict = false, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Post, $"/hosts/{Escape(hostId)}/drain" + Query(("evict", evict ? "true" : null))), cancellationToken);
        var host = await response.Content.ReadFromJsonAsync<HostInfo>(Json, cancellationToken);
        return new HostDrainStarted(host!, OperationIdOf(response));
    }
}

public sealed record HostDrainStarted(HostInfo Host, string? OperationId);

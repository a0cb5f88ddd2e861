using System.Text;
using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/hosts/{hostId}/stacks</c>: an operator's compose stacks on one Docker host.</summary>
public sealed partial class BerthClient
{
    public Task<HostStack[]> ListHostStacksAsync(string hostId, CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostStack[]>(() => Request(HttpMethod.Get, StackPath(hostId)), cancellationToken);

    public Task<HostStack> GetHostStackAsync(string hostId, string name, CancellationToken cancellationToken = default) =>
        SendJsonAsync<HostStack>(() => Request(HttpMethod.Get, StackPath(hostId, name)), cancellationToken);

    /// <summary>
    /// Applies a compose file (YAML, or JSON when it starts with <c>{</c>) to the host: the plan per service and the stack afterwards.
    /// With <paramref name="diffOnly"/> only the plan is answered and nothing changes. An apply is idempotent; it is not retried
    /// on 503 differently from any other call.
    /// </summary>
    public Task<HostStackApplyResult> ApplyHostStackAsync(string hostId, string name, string composeYaml, bool diffOnly = false, CancellationToken cancellationToken = default)
    {
        var mediaType = composeYaml.TrimStart().StartsWith('{') ? "application/json" : "application/yaml";
        return SendJsonAsync<HostStackApplyResult>(() => Request(HttpMethod.Put, StackPath(hostId, name) + Query(("diff", diffOnly ? "true" : null)),
            new StringContent(composeYaml, Encoding.UTF8, mediaType)), cancellationToken);
    }

    /// <summary>Removes every container of the stack and its network; a stack the host does not run is a <see cref="BerthNotFoundException"/>.</summary>
    public async Task RemoveHostStackAsync(string hostId, string name, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() => Request(HttpMethod.Delete, StackPath(hostId, name)), cancellationToken);
    }

    private static string StackPath(string hostId, string? name = null) =>
        $"/hosts/{Escape(hostId)}/stacks" + (name is null ? "" : $"/{Escape(name)}");
}

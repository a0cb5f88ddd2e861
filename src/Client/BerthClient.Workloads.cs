using System.Text;
using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/workloads</c> and <c>/pools</c>.</summary>
public sealed partial class BerthClient
{
    public Task<Workload[]> ListWorkloadsAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<Workload[]>(() => Request(HttpMethod.Get, "/workloads"), cancellationToken);

    public Task<Workload> GetWorkloadAsync(string id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Workload>(() => Request(HttpMethod.Get, $"/workloads/{Escape(id)}"), cancellationToken);

    /// <summary>The registered workload, or null when there is none of that id.</summary>
    public async Task<Workload?> FindWorkloadAsync(string id, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetWorkloadAsync(id, cancellationToken);
        }
        catch (BerthNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Registers or updates a workload from its YAML text; <c>Created</c> tells which, <c>OperationId</c> names a rollout it started.</summary>
    public async Task<WorkloadApplied> ApplyWorkloadYamlAsync(string id, string yaml, bool force = false, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Put, $"/workloads/{Escape(id)}" + Query(("force", force ? "true" : null)),
            new StringContent(yaml, Encoding.UTF8, "application/yaml")), cancellationToken);
        var workload = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Workload>(response.Content, Json, cancellationToken);
        return new WorkloadApplied(workload!, response.StatusCode == System.Net.HttpStatusCode.Created, OperationIdOf(response));
    }

    /// <summary>Deletes a workload and drains its pool (a <see cref="BerthConflictException"/> while tenants hold its containers).</summary>
    public Task<WorkloadDeletion> DeleteWorkloadAsync(string id, CancellationToken cancellationToken = default) =>
        DeleteWorkloadAsync(id, purge: false, force: false, cancellationToken);

    /// <summary>
    /// Deletes a workload; <paramref name="purge"/> also deletes every tenant's snapshots of it, <paramref name="force"/> first releases
    /// the tenants holding its containers. With either, the answer says what went; without, it only says the workload went.
    /// </summary>
    public async Task<WorkloadDeletion> DeleteWorkloadAsync(string id, bool purge, bool force, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Delete, $"/workloads/{Escape(id)}"
            + Query(("purge", purge ? "true" : null), ("force", force ? "true" : null))), cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent) return new WorkloadDeletion(id, false, 0, [], []) { Detailed = false };
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<WorkloadDeletion>(response.Content, Json, cancellationToken)
            ?? throw new BerthApiException((int)response.StatusCode, "Empty answer", $"DELETE /workloads/{id} answered with no body");
    }

    public Task<Pool[]> ListPoolsAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<Pool[]>(() => Request(HttpMethod.Get, "/pools"), cancellationToken);

    public Task<Pool> GetPoolAsync(string workload, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Pool>(() => Request(HttpMethod.Get, $"/pools/{Escape(workload)}"), cancellationToken);
}

/// <summary>What <c>PUT /workloads/{id}</c> answered: the registered workload, whether it is new, and a rollout it started.</summary>
public sealed record WorkloadApplied(Workload Workload, bool Created, string? OperationId);

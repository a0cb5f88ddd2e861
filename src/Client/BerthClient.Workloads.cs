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

    public async Task DeleteWorkloadAsync(string id, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() => Request(HttpMethod.Delete, $"/workloads/{Escape(id)}"), cancellationToken);
    }

    public Task<Pool[]> ListPoolsAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<Pool[]>(() => Request(HttpMethod.Get, "/pools"), cancellationToken);

    public Task<Pool> GetPoolAsync(string workload, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Pool>(() => Request(HttpMethod.Get, $"/pools/{Escape(workload)}"), cancellationToken);
}

/// <summary>What <c>PUT /workloads/{id}</c> answered: the registered workload, whether it is new, and a rollout it started.</summary>
public sealed record WorkloadApplied(Workload Workload, bool Created, string? OperationId);

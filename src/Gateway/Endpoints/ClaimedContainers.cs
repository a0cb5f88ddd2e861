using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Grains;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// The tenant's claimed containers that a request may reach (the proxy, exec, logs, files): 404 for
/// a tenant with no claim or none on the named workload, 409 when no claim is (yet, or any more) claimed.
/// </summary>
public static class ClaimedContainers
{
    public static async Task<(List<TenantClaimView> Claimed, IResult? Problem)> ResolveAsync(
        string tenantId, string? workload, IClusterClient cluster, GrainCallRetry retry)
    {
        var status = await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).GetStatus());
        var claims = status.Claims.Where(c => workload is null || c.Workload == workload).ToList();
        if (claims.Count == 0)
        {
            return workload is null
                ? ([], ProblemResults.Problem(StatusCodes.Status404NotFound, $"tenant '{tenantId}' holds no claim; claim a workload first", "tenantId"))
                : ([], ProblemResults.Problem(StatusCodes.Status404NotFound, $"tenant '{tenantId}' holds no claim on workload '{workload}'", "workload"));
        }
        var claimed = claims.Where(c => c.State == TenantClaimState.Claimed && c.ContainerId is not null && c.HostId is not null).ToList();
        if (claimed.Count == 0)
        {
            var states = string.Join(", ", claims.Select(c => $"'{c.Workload}' is {c.State.ToString().ToLowerInvariant()}" + (c.Error is { } e ? $" ({e})" : "")));
            return ([], ProblemResults.Problem(StatusCodes.Status409Conflict, $"tenant '{tenantId}' has no claimed container: {states}", "tenantId"));
        }
        return (claimed, null);
    }

    /// <summary>The one claimed container, or a 409 naming the workloads to choose from.</summary>
    public static async Task<(TenantClaimView? Claim, IResult? Problem)> SingleAsync(
        string tenantId, string? workload, IClusterClient cluster, GrainCallRetry retry)
    {
        var (claimed, problem) = await ResolveAsync(tenantId, workload, cluster, retry);
        if (problem is not null) return (null, problem);
        return claimed.Count == 1
            ? (claimed[0], null)
            : (null, ProblemResults.Problem(StatusCodes.Status409Conflict,
                $"tenant '{tenantId}' holds claims on {string.Join(", ", claimed.Select(c => $"'{c.Workload}'"))}; name one with workload", "workload"));
    }
}

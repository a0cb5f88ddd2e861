using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Endpoints;
using Berth.Gateway.Problems;

namespace Berth.Gateway.Proxy;

/// <summary>Where a proxied request goes: the claimed container of one of the tenant's workloads, at a declared port.</summary>
public sealed record ProxyTarget(TenantClaimView Claim, ContainerEndpoint Endpoint)
{
    /// <summary>Names the workload when a tenant holds several that publish the same port (never forwarded).</summary>
    public const string WorkloadHeader = "Berth-Workload";

    public string Destination => $"http://{Host(Endpoint.HostIp)}:{Endpoint.HostPort}";

    /// <summary>A port published on every address of its host is reached on the host's loopback (one-machine setups).</summary>
    private static string Host(string ip) => ip switch
    {
        "" or "0.0.0.0" => "127.0.0.1",
        "::" => "[::1]",
        _ when ip.Contains(':') => $"[{ip}]",
        _ => ip,
    };

    /// <summary>
    /// The target, or the problem that says why there is none: 404 for a tenant with no claim, a
    /// workload it does not hold or a port not declared; 409 for a claim that is not (yet or any
    /// more) claimed, or a port published by several of its workloads with none named.
    /// </summary>
    public static async Task<(ProxyTarget? Target, IResult? Problem)> ResolveAsync(
        string tenantId, int port, string? workload, IClusterClient cluster, GrainCallRetry retry)
    {
        var (claimed, problem) = await ClaimedContainers.ResolveAsync(tenantId, workload, cluster, retry);
        if (problem is not null) return (null, problem);
        var publishing = claimed.Where(c => c.Endpoints.Any(e => e.ContainerPort == port && e.Protocol == "tcp")).ToList();
        if (publishing.Count == 0)
        {
            var declared = string.Join("; ", claimed.Select(c => $"'{c.Workload}': {(c.Endpoints.Length == 0 ? "none" : string.Join(", ", c.Endpoints.Select(e => $"{e.ContainerPort}/{e.Protocol}")))}"));
            return (null, ProblemResults.Problem(StatusCodes.Status404NotFound, $"port {port} is not declared by the claimed workload(s) of tenant '{tenantId}' (declared: {declared})", "port"));
        }
        if (publishing.Count > 1)
        {
            return (null, ProblemResults.Problem(StatusCodes.Status409Conflict,
                $"workloads {string.Join(", ", publishing.Select(c => $"'{c.Workload}'"))} of tenant '{tenantId}' all publish port {port}; name one in the {WorkloadHeader} header", "workload"));
        }
        var claim = publishing[0];
        return (new ProxyTarget(claim, claim.Endpoints.First(e => e.ContainerPort == port && e.Protocol == "tcp")), null);
    }
}

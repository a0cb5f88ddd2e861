using Berth.Grains;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Berth.Gateway.Health;

/// <summary>Ready once a silo answers a grain call (the catalog's list: cheap, and on every control-plane silo).</summary>
public sealed class ClusterReadyCheck(IClusterClient cluster) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await cluster.GetGrain<IWorkloadCatalogGrain>(0).List().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"no silo answered: {ex.GetBaseException().Message}");
        }
    }
}

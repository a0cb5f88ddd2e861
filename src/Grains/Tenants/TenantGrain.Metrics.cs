using System.Diagnostics;
using Berth.Contracts;
using Berth.Telemetry;

namespace Berth.Tenants;

/// <summary>Every claim this grain answers is timed and counted here, apart from the lifecycle it runs.</summary>
public sealed partial class TenantGrain
{
    public async Task<TenantClaimView> Claim(string workload, string? operationId, TimeSpan? ttl = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = BerthMetrics.Activities.StartActivity("berth.claim");
        activity?.SetTag("berth.tenant", TenantId);
        activity?.SetTag("berth.workload", workload);
        try
        {
            var view = await ClaimCoreAsync(workload, operationId, ttl);
            activity?.SetTag("berth.source", view.Source?.ToString());
            BerthMetrics.Claimed(workload, view.Source, null, Stopwatch.GetElapsedTime(started));
            return view;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            BerthMetrics.Claimed(workload, null, ex, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}

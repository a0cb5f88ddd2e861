using Berth.Contracts;
using Berth.Errors;
using Berth.Runtime;
using Berth.Specs;

namespace Berth.Hosts;

/// <summary>
/// Creates one member container and waits until it can be handed out: running, and healthy where
/// the spec has a healthcheck. On any failure the container is removed, so nothing is half-created.
/// </summary>
public sealed class MemberProvisioner(IContainerRuntime runtime, string hostId, ILogger logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<RunningContainer> ProvisionAsync(ContainerCreateSpec spec, CancellationToken cancellationToken)
    {
        string containerId;
        try
        {
            containerId = await runtime.CreateAsync(spec, cancellationToken);
        }
        catch (ImageNotFoundException ex)
        {
            throw new BerthException(BerthErrorKind.Unprocessable, $"host '{hostId}' does not have image '{ex.Image}'", "image");
        }

        try
        {
            await runtime.GiveVolumesToUserAsync(containerId, spec, cancellationToken);
            await runtime.StartAsync(containerId, cancellationToken);
            var inspection = await WaitUntilServingAsync(containerId, spec.Healthcheck, cancellationToken);
            return new RunningContainer(containerId, hostId, inspection.Endpoints, DateTimeOffset.UtcNow);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Member container {ContainerId} ({Name}) failed to come up on {Host}; removing it", containerId, spec.Name, hostId);
            await runtime.RemoveAsync(containerId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Starts a container its owner stopped and waits until it serves; it is kept whatever happens (its files are the tenant's).</summary>
    public async Task<RunningContainer> StartExistingAsync(string containerId, HealthcheckSpec? healthcheck, CancellationToken cancellationToken)
    {
        await runtime.StartAsync(containerId, cancellationToken);
        var inspection = await WaitUntilServingAsync(containerId, healthcheck, cancellationToken);
        // Published ports are chosen again at every start: the endpoints are read anew.
        return new RunningContainer(containerId, hostId, inspection.Endpoints, DateTimeOffset.UtcNow);
    }

    private async Task<ContainerInspection> WaitUntilServingAsync(string containerId, HealthcheckSpec? healthcheck, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + Pools.MemberDeadlines.ReadyWithin(healthcheck);
        while (true)
        {
            var inspection = await runtime.InspectAsync(containerId, cancellationToken)
                ?? throw new MemberStartException($"container {containerId} vanished while starting");
            if (!inspection.IsRunning && inspection.State != "created")
            {
                throw new MemberStartException($"container {containerId} is {inspection.State} right after start{(inspection.Error is null ? "" : $": {inspection.Error}")}");
            }
            if (inspection.IsRunning && (healthcheck is null || inspection.Health == "healthy"))
            {
                return inspection;
            }
            if (inspection.Health == "unhealthy")
            {
                throw new MemberStartException($"container {containerId} reported unhealthy");
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new MemberStartException($"container {containerId} was not {(healthcheck is null ? "running" : "healthy")} in time");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}

/// <summary>
/// The container itself did not come up (it exited, or never turned healthy): the workload's
/// problem, not the engine's, so it does not count against the host's health.
/// </summary>
public sealed class MemberStartException(string message) : Exception(message);

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

    /// <summary>
    /// Creates a stack member's containers in start order, each started once what it depends on
    /// runs (or, with <c>service_healthy</c>, reports healthy), and answers once every service
    /// serves. On any failure every container made so far is removed: a stack is whole or absent.
    /// </summary>
    public async Task<RunningContainer> ProvisionStackAsync(IReadOnlyList<(ServiceSpec Service, ContainerCreateSpec Container)> plan, IReadOnlyList<string> serviceOrder, CancellationToken cancellationToken)
    {
        var created = new List<(ServiceSpec Service, string ContainerId)>();
        try
        {
            foreach (var (service, spec) in plan)
            {
                foreach (var dependency in service.DependsOn)
                {
                    var (target, targetId) = created.First(c => c.Service.Name == dependency.Service);
                    await WaitUntilServingAsync(targetId, dependency.Healthy ? target.Healthcheck : null, cancellationToken);
                }
                string containerId;
                try
                {
                    containerId = await runtime.CreateAsync(spec, cancellationToken);
                }
                catch (ImageNotFoundException ex)
                {
                    throw new BerthException(BerthErrorKind.Unprocessable, $"host '{hostId}' does not have image '{ex.Image}' (service '{service.Name}')", $"services.{service.Name}.image");
                }
                created.Add((service, containerId));
                await runtime.GiveVolumesToUserAsync(containerId, spec, cancellationToken);
                await runtime.StartAsync(containerId, cancellationToken);
            }
            return await ServingStackAsync(created, serviceOrder, cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Stack member {Name} failed to come up on {Host}; removing its {Count} containers", plan[0].Container.Name, hostId, created.Count);
            foreach (var (_, containerId) in Enumerable.Reverse(created))
            {
                await runtime.RemoveAsync(containerId, CancellationToken.None);
            }
            throw;
        }
    }

    /// <summary>Starts a stopped stack again in its start order (<paramref name="containers"/>) and waits until every service serves; its containers are kept whatever happens.</summary>
    public async Task<RunningContainer> StartExistingStackAsync(IReadOnlyList<StackContainer> containers, CancellationToken cancellationToken)
    {
        var started = new List<(ServiceSpec Service, string ContainerId)>();
        foreach (var container in containers)
        {
            await runtime.StartAsync(container.ContainerId, cancellationToken);
            // Serving (healthy, where Docker runs a healthcheck) before what depends on it starts.
            await WaitUntilServingAsync(container.ContainerId, null, cancellationToken, healthFromDocker: true);
            started.Add((new ServiceSpec { Name = container.Service, Image = "" }, container.ContainerId));
        }
        return await ServingStackAsync(started, [.. containers.OrderBy(c => !c.Primary).Select(c => c.Service)], cancellationToken, healthFromDocker: true);
    }

    /// <summary>Waits for each service to serve and describes the stack: the primary's container, every service's endpoints.</summary>
    private async Task<RunningContainer> ServingStackAsync(List<(ServiceSpec Service, string ContainerId)> created, IReadOnlyList<string> serviceOrder,
        CancellationToken cancellationToken, bool healthFromDocker = false)
    {
        var services = new List<ServiceContainer>();
        foreach (var (service, containerId) in created)
        {
            var inspection = await WaitUntilServingAsync(containerId, service.Healthcheck, cancellationToken, healthFromDocker);
            services.Add(new ServiceContainer(service.Name, containerId, inspection.Endpoints));
        }
        // Listed as the spec writes them: the primary first.
        services = [.. services.OrderBy(s => IndexOf(serviceOrder, s.Service))];
        return new RunningContainer(services[0].ContainerId, hostId, [.. services.SelectMany(s => s.Endpoints)], DateTimeOffset.UtcNow, [.. services]);
    }

    private static int IndexOf(IReadOnlyList<string> order, string service)
    {
        for (var i = 0; i < order.Count; i++) if (order[i] == service) return i;
        return order.Count;
    }

    /// <summary>Starts a container its owner stopped and waits until it serves; it is kept whatever happens (its files are the tenant's).</summary>
    public async Task<RunningContainer> StartExistingAsync(string containerId, HealthcheckSpec? healthcheck, CancellationToken cancellationToken)
    {
        await runtime.StartAsync(containerId, cancellationToken);
        var inspection = await WaitUntilServingAsync(containerId, healthcheck, cancellationToken);
        // Published ports are chosen again at every start: the endpoints are read anew.
        return new RunningContainer(containerId, hostId, inspection.Endpoints, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Running, and healthy when <paramref name="healthcheck"/> is given (or, with
    /// <paramref name="healthFromDocker"/>, when Docker reports a health status at all).
    /// </summary>
    /// <summary>The wait for a container whose healthcheck Berth does not hold here: a generous one.</summary>
    private static readonly HealthcheckSpec UnknownHealthcheck = new() { Test = ["NONE"], Interval = TimeSpan.FromSeconds(30), Timeout = TimeSpan.FromSeconds(30), Retries = 3 };

    public async Task<ContainerInspection> WaitUntilServingAsync(string containerId, HealthcheckSpec? healthcheck, CancellationToken cancellationToken, bool healthFromDocker = false)
    {
        var deadline = DateTimeOffset.UtcNow + Pools.MemberDeadlines.ReadyWithin(healthcheck ?? (healthFromDocker ? UnknownHealthcheck : null));
        while (true)
        {
            var inspection = await runtime.InspectAsync(containerId, cancellationToken)
                ?? throw new MemberStartException($"container {containerId} vanished while starting");
            if (!inspection.IsRunning && inspection.State != "created")
            {
                throw new MemberStartException($"container {containerId} is {inspection.State} right after start{(inspection.Error is null ? "" : $": {inspection.Error}")}");
            }
            var checkedHealth = healthcheck is not null || (healthFromDocker && inspection.Health is not null);
            if (inspection.IsRunning && (!checkedHealth || inspection.Health == "healthy"))
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

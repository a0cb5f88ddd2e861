using System.Text;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Secrets;
using Berth.Specs;

namespace Berth.Hosts;

/// <summary>
/// Host stacks: an operator's compose services on this engine, one container each
/// (<c>berth-stack-{stack}-{service}</c>) on the stack's own network. They carry
/// <see cref="BerthLabels.Stack"/> and no member or workload label, so no pool counts them and the
/// sweep passes them by (see <see cref="SweepOnceAsync"/>). Docker's labels are the only record:
/// what a stack is, and whether a service changed (<see cref="BerthLabels.StackHash"/>).
/// </summary>
public sealed partial class AgentHostGrain
{
    /// <summary>One apply or removal of a stack at a time: this grain is reentrant, and two applies of one stack would both create.</summary>
    private readonly Dictionary<string, SemaphoreSlim> _hostStackTurns = new(StringComparer.Ordinal);

    private static string HostStackNetwork(string stack) => $"berth-stack-{stack}";

    private static string HostStackContainer(string stack, string service) => $"berth-stack-{stack}-{service}";

    private Dictionary<string, string> HostStackLabels(string? stack) => new()
    {
        [BerthLabels.Managed] = "true",
        [BerthLabels.Cluster] = _options.ClusterId,
        [BerthLabels.Host] = HostId,
        // An empty value lists every stack (the label need only be there).
        [BerthLabels.Stack] = stack ?? "",
    };

    public async Task<HostStackApplyResult> ApplyHostStack(HostStackSpec spec, bool dryRun)
    {
        return await InHostStackTurnAsync(spec.Name, $"apply host stack '{spec.Name}'", async () =>
        {
            var (desired, rendered) = await RenderHostStackAsync(spec);
            var running = await RunningHostStackAsync(spec.Name);
            var plan = HostStackPlan.Compute(desired, running);
            if (dryRun) return new HostStackApplyResult(spec.Name, false, [.. plan], null);
            await CarryOutHostStackAsync(spec.Name, HostStackPlan.StartOrder(desired), rendered, running, plan);
            _logger.LogInformation("Applied host stack {Stack} on {Host}: {Plan}", spec.Name, HostId,
                string.Join(", ", plan.Select(c => $"{c.Service} {c.Action}")));
            return new HostStackApplyResult(spec.Name, true, [.. plan], await HostStackViewAsync(spec.Name));
        });
    }

    public async Task<HostStackView[]> ListHostStacks()
    {
        var listed = await HostStackCallAsync("list host stacks", () => Runtime.ListAsync(HostStackLabels(null), CancellationToken.None));
        var views = new List<HostStackView>();
        foreach (var name in listed.Select(c => c.HostStack!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (await HostStackViewAsync(name) is { } view) views.Add(view);
        }
        return [.. views];
    }

    public Task<HostStackView?> GetHostStack(string name) => HostStackCallAsync($"read host stack '{name}'", () => HostStackViewAsync(name));

    public Task<bool> RemoveHostStack(string name) => InHostStackTurnAsync(name, $"remove host stack '{name}'", async () =>
    {
        var containers = await Runtime.ListAsync(HostStackLabels(name), CancellationToken.None);
        foreach (var container in containers) await Runtime.RemoveAsync(container.ContainerId, CancellationToken.None);
        var networks = await Runtime.ListNetworksAsync(HostStackLabels(name), CancellationToken.None);
        foreach (var network in networks) await Runtime.RemoveNetworkAsync(network.Name, CancellationToken.None);
        if (containers.Count > 0 || networks.Count > 0)
        {
            _logger.LogInformation("Removed host stack {Stack} on {Host}: {Count} containers and its network", name, HostId, containers.Count);
        }
        return containers.Count > 0 || networks.Count > 0;
    });

    /// <summary>
    /// Each service with its secrets filled in, and the desired state the plan compares: definitions
    /// as written and secret fingerprints, so that nothing derived from a value leaves this method
    /// but the rendered services, which go only into the create.
    /// </summary>
    private async Task<(IReadOnlyList<HostStackDesired> Desired, Dictionary<string, HostStackService> Rendered)> RenderHostStackAsync(HostStackSpec spec)
    {
        var references = HostStackParser.SecretReferences(spec);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        if (references.Count > 0)
        {
            var sealedValues = await GrainFactory.GetGrain<IOperatorSecretsGrain>(0).Sealed([.. references.Select(r => r.Name).Distinct()]);
            if (references.FirstOrDefault(r => !sealedValues.ContainsKey(r.Name)) is { } missing)
            {
                throw new BerthException(BerthErrorKind.Unprocessable,
                    $"operator secret '{missing.Name}' does not exist (PUT /secrets/{missing.Name} first)", missing.Path);
            }
            foreach (var (name, sealedValue) in sealedValues)
            {
                var value = _protector.Unprotect(OperatorSecretsGrain.Context, name, sealedValue);
                values[name] = Encoding.UTF8.GetString(value);
                fingerprints[name] = _protector.Fingerprint(OperatorSecretsGrain.Context, name, value);
            }
        }
        var desired = new List<HostStackDesired>();
        var rendered = new Dictionary<string, HostStackService>(StringComparer.Ordinal);
        foreach (var service in spec.Services)
        {
            var prefix = $"services.{service.Name}.";
            var used = references.Where(r => r.Path.StartsWith(prefix, StringComparison.Ordinal)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            desired.Add(HostStackDesired.Of(service, fingerprints.Where(f => used.Contains(f.Key)).ToDictionary()));
            rendered[service.Name] = used.Count == 0 ? service : HostStackParser.Render(service, values);
        }
        return (desired, rendered);
    }

    private async Task<IReadOnlyList<HostStackRunning>> RunningHostStackAsync(string stack)
    {
        var running = new List<HostStackRunning>();
        foreach (var container in await Runtime.ListAsync(HostStackLabels(stack), CancellationToken.None))
        {
            if (await Runtime.InspectAsync(container.ContainerId, CancellationToken.None) is not { } inspection) continue;
            var labels = inspection.Labels;
            if (!labels.TryGetValue(BerthLabels.StackService, out var service)) continue;
            running.Add(new HostStackRunning(service, container.ContainerId, labels.GetValueOrDefault(BerthLabels.StackDefinition),
                labels.GetValueOrDefault(BerthLabels.StackSecrets), labels.GetValueOrDefault(BerthLabels.StackHash), inspection.State));
        }
        return running;
    }

    /// <summary>
    /// Removals first (they may free host ports the file now gives another service), then the
    /// file's services in start order, each started once what it depends on runs (or is healthy).
    /// </summary>
    private async Task CarryOutHostStackAsync(string stack, IReadOnlyList<HostStackDesired> order, Dictionary<string, HostStackService> rendered,
        IReadOnlyList<HostStackRunning> running, IReadOnlyList<HostStackChange> plan)
    {
        var runtime = Runtime;
        var actions = plan.ToDictionary(c => c.Service, c => c.Action, StringComparer.Ordinal);
        foreach (var gone in running.Where(r => actions.GetValueOrDefault(r.Service) == HostStackPlan.Remove))
        {
            await runtime.RemoveAsync(gone.ContainerId, CancellationToken.None);
        }
        var network = HostStackNetwork(stack);
        await runtime.EnsureHostStackNetworkAsync(network, System.Net.IPNetwork.Parse(_options.Security.StackSubnets), HostStackLabels(stack), CancellationToken.None);
        var provisioner = new MemberProvisioner(runtime, HostId, _logger);
        var containers = running.ToDictionary(r => r.Service, r => r.ContainerId, StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(ColdCreateLimit);
        foreach (var desired in order)
        {
            var service = rendered[desired.Service.Name];
            try
            {
                foreach (var dependency in service.DependsOn)
                {
                    await provisioner.WaitUntilServingAsync(containers[dependency.Service], dependency.Healthy ? rendered[dependency.Service].Healthcheck : null, timeout.Token);
                }
                var action = actions[service.Name];
                if (action == HostStackPlan.Unchanged) continue;
                if (action == HostStackPlan.Update) await runtime.RemoveAsync(containers[service.Name], CancellationToken.None);
                var id = await runtime.CreateAsync(HostStackContainerSpec(stack, network, service, desired), timeout.Token);
                containers[service.Name] = id;
                await runtime.StartAsync(id, timeout.Token);
            }
            catch (ImageNotFoundException ex)
            {
                throw new BerthException(BerthErrorKind.Unprocessable, $"host '{HostId}' does not have image '{ex.Image}' (service '{service.Name}')", $"services.{service.Name}.image");
            }
            catch (MemberStartException ex)
            {
                throw new BerthException(BerthErrorKind.Unprocessable, $"service '{service.Name}' of host stack '{stack}' waited on a dependency that did not come up: {ex.Message}", $"services.{service.Name}.depends_on");
            }
            catch (Docker.DotNet.DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Never removed here: a container of that name that is not this stack's is someone else's.
                throw BerthException.Conflict($"host '{HostId}' already has a container named '{HostStackContainer(stack, service.Name)}' that is not this stack's: {ex.ResponseBody}");
            }
        }
    }

    private ContainerCreateSpec HostStackContainerSpec(string stack, string network, HostStackService service, HostStackDesired desired)
    {
        var labels = new Dictionary<string, string>(service.Labels, StringComparer.Ordinal);
        foreach (var (key, value) in HostStackLabels(stack)) labels[key] = value;
        labels[BerthLabels.StackService] = service.Name;
        labels[BerthLabels.StackHash] = desired.Hash;
        labels[BerthLabels.StackDefinition] = desired.Definition;
        labels[BerthLabels.StackSecrets] = desired.Secrets;
        return new ContainerCreateSpec
        {
            Name = HostStackContainer(stack, service.Name),
            Image = service.Image,
            Command = service.Command,
            Environment = service.Environment,
            Labels = labels,
            // Compose's meaning: the image's own user unless the file names one.
            User = service.User,
            NetworkMode = network,
            NetworkAliases = [service.Name],
            PidsLimit = _options.DefaultPidsLimit,
            PublishedPorts = service.Ports,
            PublishAddress = Host.PublishAddress,
            Healthcheck = service.Healthcheck,
            RestartPolicy = service.Restart,
        };
    }

    /// <summary>Null when no container of the stack exists.</summary>
    private async Task<HostStackView?> HostStackViewAsync(string stack)
    {
        var services = new List<HostStackServiceView>();
        foreach (var container in await Runtime.ListAsync(HostStackLabels(stack), CancellationToken.None))
        {
            if (await Runtime.InspectAsync(container.ContainerId, CancellationToken.None) is not { } inspection) continue;
            var definition = inspection.Labels.GetValueOrDefault(BerthLabels.StackDefinition);
            var image = definition is null ? "" : System.Text.Json.Nodes.JsonNode.Parse(definition)?["image"]?.GetValue<string>() ?? "";
            services.Add(new HostStackServiceView(inspection.Labels.GetValueOrDefault(BerthLabels.StackService, ""), inspection.Id, image,
                inspection.State, inspection.Health, inspection.Endpoints));
        }
        return services.Count == 0 ? null : new HostStackView(stack, HostId, HostStackNetwork(stack), [.. services.OrderBy(s => s.Service, StringComparer.Ordinal)]);
    }

    private async Task<T> InHostStackTurnAsync<T>(string stack, string what, Func<Task<T>> action)
    {
        SemaphoreSlim turn;
        lock (_hostStackTurns)
        {
            turn = _hostStackTurns.TryGetValue(stack, out var known) ? known : _hostStackTurns[stack] = new SemaphoreSlim(1, 1);
        }
        await turn.WaitAsync();
        try
        {
            return await HostStackCallAsync(what, action);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>A host that does not answer is a 503 the caller may retry; Berth's own errors pass as they are.</summary>
    private async Task<T> HostStackCallAsync<T>(string what, Func<Task<T>> action)
    {
        if (_unreachable is { } down) throw BerthException.Unavailable($"Docker host '{HostId}' is unreachable: {down}", _options.RetryAfterSeconds);
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            _lastError = ex.Message;
            if (IsUnreachable(ex)) _unreachable = ex.Message;
            _logger.LogWarning(ex, "Host {Host} could not {What}", HostId, what);
            throw BerthException.Unavailable($"Docker host '{HostId}' could not {what}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }
}

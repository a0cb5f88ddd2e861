using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary><c>services:</c> — a stack of containers per member, compose-like.</summary>
public static partial class WorkloadSpecParser
{
    /// <summary>A DNS label: services find each other by name on the member's network.</summary>
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex ServiceName();

    /// <summary>The most services one stack may have: each is a container in every member.</summary>
    public const int MaxServices = 16;

    /// <summary>Fields that describe one container: in a stack they belong to each service.</summary>
    private static readonly string[] ContainerFields = ["image", "command", "environment", "volumes", "ports", "healthcheck", "deploy", "read_only", "user"];

    private sealed partial class Reader
    {
        private void RejectContainerFieldsOfStack(Fields fields)
        {
            foreach (var key in ContainerFields)
            {
                if (fields.Peek(key) is { } node)
                {
                    fields.Take(key);
                    Error(node.Path, $"is set per service in a workload with services: (services.<name>.{key})");
                }
            }
        }

        private ServiceSpec[]? ReadServices(SpecNode node, string networkMode)
        {
            if (node is not SpecMap map || map.Entries.Count == 0)
            {
                Error(node.Path, "must be a mapping of service names to services (image, command, ports, healthcheck, depends_on, ...)");
                return null;
            }
            if (map.Entries.Count > MaxServices) Error(node.Path, $"has {map.Entries.Count} services; at most {MaxServices}");
            if (networkMode != "bridge") Error("network_mode", "must be bridge in a workload with services: they reach each other on the member's own network");
            var services = new List<ServiceSpec>();
            foreach (var (name, value) in map.Entries)
            {
                if (!ServiceName().IsMatch(name)) Error(value.Path, "is not a valid service name (lowercase letters, digits and -, at most 63, as in a host name)");
                if (ReadService(name, value) is { } service) services.Add(service);
            }
            CheckDependencies(services, node.Path);
            CheckStackPorts(services, node.Path);
            return [.. services];
        }

        private ServiceSpec? ReadService(string name, SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null)
            {
                Error(node.Path, "must be a mapping with at least image");
                return null;
            }
            var service = ReadContainer(fields, name, $"{node.Path}.");
            var dependsOn = fields.Take("depends_on") is { } dependsNode ? ReadDependsOn(dependsNode) : [];
            fields.RejectUnknown();
            return service is null ? null : service with { DependsOn = dependsOn };
        }

        /// <summary>The fields that describe one container (a workload's, or a stack service's), errors under <paramref name="prefix"/>; null without a usable image.</summary>
        private ServiceSpec? ReadContainer(Fields fields, string name, string prefix)
        {
            var image = fields.String("image");
            if (image is null) Error($"{prefix}image", "is required");
            else if (!ImagePattern().IsMatch(image)) Error($"{prefix}image", "is not a valid image reference");
            var command = fields.Take("command") is { } commandNode ? ReadCommand(commandNode) : null;
            var environment = fields.Take("environment") is { } envNode ? ReadEnvironment(envNode) : new();
            var volumes = fields.Take("volumes") is { } volNode ? ReadVolumes(volNode) : new VolumesSpec();
            var ports = fields.Take("ports") is { } portsNode ? ReadPorts(portsNode) : [];
            var healthcheck = fields.Take("healthcheck") is { } hcNode ? ReadHealthcheck(hcNode) : null;
            var limits = fields.Take("deploy") is { } deployNode ? ReadDeploy(deployNode) : new ResourceLimits();
            var readOnly = fields.Bool("read_only") ?? false;
            var user = fields.String("user");
            if (user is not null && !UserPattern().IsMatch(user)) Error($"{prefix}user", "must be NAME, UID or UID:GID");
            return image is null ? null : new ServiceSpec
            {
                Name = name,
                Image = image,
                Command = command,
                Environment = environment,
                Volumes = volumes,
                Ports = ports,
                Healthcheck = healthcheck,
                Limits = limits,
                ReadOnly = readOnly,
                User = user,
            };
        }

        /// <summary>Compose's two forms: <c>[db, cache]</c>, or <c>{db: {condition: service_healthy}}</c>.</summary>
        private ServiceDependency[] ReadDependsOn(SpecNode node)
        {
            var result = new List<ServiceDependency>();
            void Add(string path, string? service, bool healthy)
            {
                if (service is null) return;
                if (result.Any(d => d.Service == service)) Error(path, $"'{service}' is listed twice");
                else result.Add(new ServiceDependency(service, healthy));
            }
            switch (node)
            {
                case SpecList list:
                    foreach (var item in list.Items) Add(item.Path, ScalarText(item), healthy: false);
                    break;
                case SpecMap map:
                    foreach (var (service, value) in map.Entries)
                    {
                        var condition = "service_started";
                        if (Fields.Of(value, this) is { } fields)
                        {
                            condition = fields.String("condition") ?? condition;
                            fields.Bool("restart");
                            fields.RejectUnknown();
                        }
                        if (condition is not ("service_started" or "service_healthy"))
                        {
                            Error($"{value.Path}.condition", "must be service_started or service_healthy");
                        }
                        Add(value.Path, service, condition == "service_healthy");
                    }
                    break;
                default:
                    Error(node.Path, "must be a list of service names or a mapping of service names to {condition: service_started | service_healthy}");
                    break;
            }
            return [.. result];
        }

        private void CheckDependencies(List<ServiceSpec> services, string path)
        {
            var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
            foreach (var service in services)
            {
                foreach (var dependency in service.DependsOn)
                {
                    var at = $"{path}.{service.Name}.depends_on.{dependency.Service}";
                    if (dependency.Service == service.Name) Error(at, "a service cannot depend on itself");
                    else if (!byName.TryGetValue(dependency.Service, out var target)) Error(at, $"unknown service '{dependency.Service}' (services: {string.Join(", ", byName.Keys)})");
                    else if (dependency.Healthy && target.Healthcheck is null) Error($"{at}.condition", $"service_healthy needs a healthcheck on service '{dependency.Service}'");
                }
            }
            var known = services.Select(s => s with { DependsOn = [.. s.DependsOn.Where(d => byName.ContainsKey(d.Service) && d.Service != s.Name)] }).ToList();
            if (!StackOrder.TrySort(known, out _, out var cycle))
            {
                Error($"{path}.{cycle[0]}.depends_on", $"services depend on each other in a cycle: {string.Join(" → ", cycle)}");
            }
        }

        /// <summary>A stack's ports are addressed by number alone (the claim's endpoints, the proxy): each one names one service.</summary>
        private void CheckStackPorts(List<ServiceSpec> services, string path)
        {
            var owner = new Dictionary<PortSpec, string>();
            foreach (var service in services)
            {
                for (var i = 0; i < service.Ports.Length; i++)
                {
                    var port = service.Ports[i];
                    if (owner.TryGetValue(port, out var other)) Error($"{path}.{service.Name}.ports[{i}]", $"{port} is already a port of service '{other}': a stack's ports must be distinct");
                    else owner[port] = service.Name;
                }
            }
        }

        /// <summary>In a stack, each mapping is inside one service's state volume (<c>service:</c>, the primary by default).</summary>
        private void CheckStackSync(SyncSpec sync, ServiceSpec[] services)
        {
            if (!services.Any(s => s.Volumes.StateTarget is not null))
            {
                Error("sync", "needs a service with volumes.state.target: state volumes are what is synced");
                return;
            }
            var byService = new Dictionary<string, List<(SyncMapping Mapping, int Index)>>(StringComparer.Ordinal);
            for (var i = 0; i < sync.Mappings.Length; i++)
            {
                var mapping = sync.Mappings[i];
                var name = mapping.Service ?? services[0].Name;
                var service = services.FirstOrDefault(s => s.Name == name);
                if (service is null) Error($"sync.mappings[{i}].service", $"unknown service '{name}'");
                else if (service.Volumes.StateTarget is null) Error($"sync.mappings[{i}]", $"service '{name}' has no volumes.state.target: mapping paths are relative to it");
                else (byService.TryGetValue(name, out var list) ? list : byService[name] = []).Add((mapping, i));
            }
            foreach (var list in byService.Values)
            {
                CheckNesting([.. list.Select(m => m.Mapping)], n => list[n].Index);
            }
        }
    }
}

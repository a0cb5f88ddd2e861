using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// Host stacks: the compose subset an operator applies to one Docker host. The same reader as a
/// workload's services (command, environment, healthcheck and depends_on read alike, errors name
/// their path), with compose's own ports, restart and labels.
/// </summary>
public static partial class WorkloadSpecParser
{
    /// <summary><c>[ip:][host:]container[/protocol]</c>; the ip is dotted (so "8081:80" is a host port) or IPv6 in brackets.</summary>
    [GeneratedRegex(@"^(?:(?<ip>\[[0-9A-Fa-f:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}):)?(?:(?<host>[0-9]*):)?(?<container>[0-9]+)(?:/(?<protocol>[A-Za-z]+))?\z")]
    private static partial Regex ComposePort();

    [GeneratedRegex(@"^(no|always|unless-stopped|on-failure(:[0-9]{1,3})?)\z")]
    private static partial Regex RestartPolicy();

    /// <summary>Parses a host stack named <paramref name="name"/> (the name in the URL; the file's <c>name:</c> must match it when given).</summary>
    internal static HostStackSpec ParseHostStack(SpecNode root, string name)
    {
        var errors = new List<SpecError>();
        var spec = new Reader(errors).ReadHostStack(root, name);
        if (errors.Count > 0 || spec is null)
        {
            throw new WorkloadSpecException(errors.Count > 0 ? errors : [new SpecError("", "invalid host stack")]);
        }
        return spec;
    }

    internal static bool IsDnsLabel(string name) => ServiceName().IsMatch(name);

    private sealed partial class Reader
    {
        public HostStackSpec? ReadHostStack(SpecNode root, string name)
        {
            if (root is not SpecMap map)
            {
                Error("", "the document must be a compose mapping with services:");
                return null;
            }
            var fields = new Fields(map, this);
            if (!IsDnsLabel(name)) Error("name", "stack names are DNS labels (lowercase letters, digits and -, at most 63)");
            if (fields.String("name") is { } written && written != name) Error("name", $"'{written}' does not match the stack name '{name}' in the URL");
            // Compose files still carry it; it means nothing to the engine.
            fields.String("version");
            var services = new List<HostStackService>();
            switch (fields.Take("services"))
            {
                case null:
                    Error("services", "is required: a mapping of service names to services");
                    break;
                case SpecMap { Entries.Count: > 0 } servicesMap:
                    if (servicesMap.Entries.Count > MaxServices) Error("services", $"has {servicesMap.Entries.Count} services; at most {MaxServices}");
                    foreach (var (serviceName, value) in servicesMap.Entries)
                    {
                        if (!IsDnsLabel(serviceName)) Error(value.Path, "is not a valid service name (lowercase letters, digits and -, at most 63, as in a host name)");
                        if (ReadHostStackService(serviceName, value) is { } service) services.Add(service);
                    }
                    break;
                case { } other:
                    Error(other.Path, "must be a mapping of service names to services (image, command, ports, ...)");
                    break;
            }
            fields.RejectUnknown();
            // The dependency checks of workload stacks: unknown, self, cycles, service_healthy without a healthcheck.
            CheckDependencies([.. services.Select(s => new ServiceSpec { Name = s.Name, Image = s.Image, Healthcheck = s.Healthcheck, DependsOn = s.DependsOn })], "services");
            CheckPublishedPorts(services);
            return errors.Count > 0 ? null : new HostStackSpec { Name = name, Services = [.. services] };
        }

        private HostStackService? ReadHostStackService(string name, SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null)
            {
                Error(node.Path, "must be a mapping with at least image");
                return null;
            }
            var image = fields.String("image");
            if (image is null) Error($"{node.Path}.image", "is required");
            else if (!ImagePattern().IsMatch(image)) Error($"{node.Path}.image", "is not a valid image reference");
            var command = fields.Take("command") is { } commandNode ? ReadCommand(commandNode) : null;
            var environment = fields.Take("environment") is { } envNode ? ReadEnvironment(envNode) : new();
            var ports = fields.Take("ports") is { } portsNode ? ReadComposePorts(portsNode) : [];
            var user = fields.String("user");
            if (user is not null && !UserPattern().IsMatch(user)) Error($"{node.Path}.user", "must be NAME, UID or UID:GID");
            var restart = fields.String("restart") ?? "no";
            if (!RestartPolicy().IsMatch(restart)) Error($"{node.Path}.restart", "must be no, always, unless-stopped or on-failure[:N]");
            var labels = fields.Take("labels") is { } labelsNode ? ReadLabels(labelsNode) : new();
            var healthcheck = fields.Take("healthcheck") is { } hcNode ? ReadHealthcheck(hcNode) : null;
            var dependsOn = fields.Take("depends_on") is { } dependsNode ? ReadDependsOn(dependsNode) : [];
            fields.RejectUnknown();
            return image is null ? null : new HostStackService
            {
                Name = name,
                Image = image,
                Command = command,
                Environment = environment,
                Ports = ports,
                User = user,
                Restart = restart,
                Labels = labels,
                Healthcheck = healthcheck,
                DependsOn = dependsOn,
            };
        }

        /// <summary>Compose labels, a mapping or a list of <c>key=value</c>; Berth's own (<c>berth.*</c>) are reserved for reconciliation.</summary>
        private Dictionary<string, string> ReadLabels(SpecNode node) =>
            ReadKeyValues(node, "key=value", key =>
                key.StartsWith("berth.", StringComparison.Ordinal) ? "berth.* labels are Berth's own (reconciliation reads them)"
                : key.Length == 0 || key.Length > 253 || key.Any(char.IsWhiteSpace) ? "is not a valid label name"
                : null);

        private HostStackPort[] ReadComposePorts(SpecNode node)
        {
            if (node is not SpecList list)
            {
                Error(node.Path, "must be a list of ports (\"127.0.0.1:8081:80\", \"8081:80\", 80 or {target: 80, published: 8081})");
                return [];
            }
            var result = new List<HostStackPort>();
            foreach (var item in list.Items)
            {
                var port = item is SpecMap ? ReadComposePortMap(item) : ReadComposePortText(item);
                if (port is null) continue;
                if (result.Any(p => p.ContainerPort == port.ContainerPort && p.Protocol == port.Protocol && p.HostPort == port.HostPort && p.HostIp == port.HostIp)) Error(item.Path, $"{port} is listed twice");
                else result.Add(port);
            }
            return [.. result];
        }

        private HostStackPort? ReadComposePortText(SpecNode item)
        {
            if (ScalarText(item) is not { } text) return null;
            var match = ComposePort().Match(text);
            const string Form = "must be [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|/udp], e.g. \"127.0.0.1:8081:80\" (port ranges are not supported)";
            if (!match.Success)
            {
                Error(item.Path, Form);
                return null;
            }
            var ip = match.Groups["ip"].Success ? match.Groups["ip"].Value.Trim('[', ']') : null;
            var host = match.Groups["host"].Success && match.Groups["host"].Value.Length > 0 ? match.Groups["host"].Value : null;
            var protocol = match.Groups["protocol"].Success ? match.Groups["protocol"].Value.ToLowerInvariant() : "tcp";
            return Port(item.Path, match.Groups["container"].Value, host, ip, protocol);
        }

        /// <summary>Compose's long form: <c>{target: 80, published: 8081, host_ip: 127.0.0.1, protocol: tcp}</c>.</summary>
        private HostStackPort? ReadComposePortMap(SpecNode item)
        {
            var fields = Fields.Of(item, this)!;
            var target = fields.String("target");
            if (target is null) Error($"{item.Path}.target", "is required (the container port, 1-65535)");
            var published = fields.String("published");
            var ip = fields.String("host_ip");
            var protocol = fields.String("protocol")?.ToLowerInvariant() ?? "tcp";
            fields.RejectUnknown();
            return target is null ? null : Port(item.Path, target, published, ip, protocol);
        }

        private HostStackPort? Port(string path, string container, string? host, string? ip, string protocol)
        {
            var valid = true;
            if (!int.TryParse(container, NumberStyles.None, CultureInfo.InvariantCulture, out var containerPort) || containerPort is < 1 or > 65535)
            {
                Error(path, $"container port '{container}' must be 1-65535");
                valid = false;
            }
            int? hostPort = null;
            if (host is not null)
            {
                if (int.TryParse(host, NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h is >= 1 and <= 65535) hostPort = h;
                else
                {
                    Error(path, $"host port '{host}' must be 1-65535");
                    valid = false;
                }
            }
            if (ip is not null && !IPAddress.TryParse(ip, out _))
            {
                Error(path, $"host address '{ip}' is not an IP address");
                valid = false;
            }
            if (protocol is not ("tcp" or "udp"))
            {
                Error(path, "protocol must be tcp or udp");
                valid = false;
            }
            return valid ? new HostStackPort { ContainerPort = containerPort, HostPort = hostPort, HostIp = ip, Protocol = protocol } : null;
        }

        /// <summary>Two services cannot publish the same host port: the second create would fail half-way through an apply.</summary>
        private void CheckPublishedPorts(List<HostStackService> services)
        {
            var owner = new Dictionary<(string? Ip, int Port, string Protocol), string>();
            foreach (var service in services)
            {
                for (var i = 0; i < service.Ports.Length; i++)
                {
                    if (service.Ports[i] is not { HostPort: { } hostPort } port) continue;
                    var key = (port.HostIp, hostPort, port.Protocol);
                    if (owner.TryGetValue(key, out var other)) Error($"services.{service.Name}.ports[{i}]", $"host port {hostPort}/{port.Protocol} is already published by service '{other}'");
                    else owner[key] = service.Name;
                }
            }
        }
    }
}

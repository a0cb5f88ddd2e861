using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// Parses and validates a workload spec in the Boilerhouse (compose-like) format, from YAML or JSON.
/// Collects every error with its field path instead of stopping at the first one.
/// </summary>
public static partial class WorkloadSpecParser
{
    private static readonly string[] AllowedNetworkModes = ["bridge", "none", "host"];
    private static readonly string[] Sinks = ["filesystem", "postgres", "s3"];
    private static readonly string[] Directions = ["upload", "download", "bidirectional"];
    private static readonly string[] Modes = ["sync", "copy"];
    /// <summary>Backends Boilerhouse reaches through rclone that Berth does not speak; named so the refusal says why.</summary>
    private static readonly string[] RcloneBackends = ["gcs", "google cloud storage", "azure", "azureblob", "azurefiles", "b2", "swift", "sftp", "ftp", "dropbox", "drive", "onedrive", "box", "webdav", "hdfs", "local", "crypt"];
    /// <summary>Claimed containers live in their tenants' records, so a pool may serve this many tenants.</summary>
    private const int MaxPoolSize = PoolSizeRules.MaxPoolSize;
    /// <summary>Warm (idle) members are in the pool's own books, which every claim writes: kept to a size that stays cheap.</summary>
    private const int MaxWarmSize = PoolSizeRules.MaxWarmSize;
    private const long MinMemoryBytes = 6 * 1024 * 1024; // Docker refuses less.

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?\z")]
    private static partial Regex UserPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@-]*\z")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\z")]
    private static partial Regex BucketName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,62}\z")]
    private static partial Regex RegionName();

    /// <summary>Parses YAML (a superset of JSON, but JSON bodies get JSON error messages via <see cref="ParseJson"/>).</summary>
    public static WorkloadSpec ParseYaml(string text, string? expectedId = null) =>
        Parse(SpecDocumentReader.ReadYaml(text), expectedId);

    public static WorkloadSpec ParseJson(string text, string? expectedId = null) =>
        Parse(SpecDocumentReader.ReadJson(text), expectedId);

    /// <summary>
    /// Validates a document tree. When <paramref name="expectedId"/> is given (the id in the URL),
    /// the document's own <c>id</c> may be omitted but must match when present.
    /// </summary>
    public static WorkloadSpec Parse(SpecNode root, string? expectedId = null)
    {
        var errors = new List<SpecError>();
        var spec = new Reader(errors).ReadWorkload(root, expectedId);
        if (errors.Count > 0 || spec is null)
        {
            throw new WorkloadSpecException(errors.Count > 0 ? errors : [new SpecError("", "invalid workload spec")]);
        }
        return spec;
    }

    private sealed partial class Reader(List<SpecError> errors)
    {
        private void Error(string path, string message) => errors.Add(new SpecError(path, message));

        public WorkloadSpec? ReadWorkload(SpecNode root, string? expectedId)
        {
            if (root is not SpecMap map)
            {
                Error("", "the document must be a mapping of workload fields");
                return null;
            }
            var fields = new Fields(map, this);
            var id = fields.String("id");
            if (id is null)
            {
                if (expectedId is null) Error("id", "is required");
                id = expectedId;
            }
            else if (!ResourceIds.IsValidWorkloadId(id))
            {
                Error("id", $"must match {ResourceIds.WorkloadIdPattern}");
            }
            else if (expectedId is not null && id != expectedId)
            {
                Error("id", $"'{id}' does not match the workload id '{expectedId}' in the URL");
            }

            var name = fields.String("name");
            var servicesNode = fields.Take("services");
            // One container's fields: the workload's own, or (in a stack) each service's.
            var container = servicesNode is null ? ReadContainer(fields, id ?? "", "") : null;
            if (servicesNode is not null) RejectContainerFieldsOfStack(fields);
            var networkMode = fields.String("network_mode") ?? "bridge";
            if (!AllowedNetworkModes.Contains(networkMode))
            {
                Error("network_mode", $"must be one of {string.Join(", ", AllowedNetworkModes)} (container networking breaks tenant isolation; host needs an administrator's allow list)");
            }
            var egress = fields.Take("network") is { } networkNode ? ReadNetwork(networkNode, networkMode) : EgressPolicy.Default;
            var privileged = fields.Bool("privileged") ?? false;
            var capAdd = fields.Take("cap_add") is { } capNode ? ReadCapabilities(capNode) : [];
            var pidMode = ReadHostOnly(fields, "pid");
            var ipcMode = ReadHostOnly(fields, "ipc");
            if (fields.Take("devices") is { } devicesNode)
            {
                Error(devicesNode.Path, "is forbidden: Berth containers get no host devices");
            }
            var pool = fields.Take("pool") is { } poolNode ? ReadPool(poolNode) : new PoolSpec();
            var sync = fields.Take("sync") is { } syncNode ? ReadSync(syncNode) : null;
            var placement = fields.Take("placement") is { } placementNode ? ReadPlacement(placementNode) : new PlacementSpec();
            var services = servicesNode is null ? null : ReadServices(servicesNode, networkMode);
            fields.RejectUnknown();

            // A stack's primary stands at the top, so one-container paths address the primary.
            container ??= services is { Length: > 0 } ? services[0] : null;
            if (services is { Length: > 0 })
            {
                if (sync is not null) CheckStackSync(sync, services);
            }
            else if (sync is not null && container?.Volumes.StateTarget is null)
            {
                Error("sync", "needs volumes.state.target: the state volume is what is synced (sync.mappings are paths inside it)");
            }
            else if (sync is not null) CheckMappings(sync.Mappings, container!.Volumes);

            if (errors.Count > 0 || container is null) return null;
            return new WorkloadSpec
            {
                Id = id!,
                Name = name,
                Image = container.Image,
                Command = container.Command,
                Environment = container.Environment,
                Volumes = container.Volumes,
                Ports = container.Ports,
                Healthcheck = container.Healthcheck,
                Limits = container.Limits,
                ReadOnly = container.ReadOnly,
                User = container.User,
                NetworkMode = networkMode,
                Egress = egress,
                Pool = pool,
                Sync = sync,
                Placement = placement,
                Privileged = privileged,
                CapAdd = capAdd,
                PidMode = pidMode,
                IpcMode = ipcMode,
                Services = services,
            };
        }

        private string[]? ReadCommand(SpecNode node)
        {
            switch (node)
            {
                case SpecScalar { Text: null }:
                    return null;
                case SpecScalar { Text: { } text }:
                    if (!CommandLineSplitter.TrySplit(text, out var words)) Error(node.Path, "has an unterminated quote");
                    else if (words.Length == 0) Error(node.Path, "must not be empty");
                    return words;
                case SpecList list:
                    var items = list.Items.Select(ScalarText).ToArray();
                    if (items.Length == 0) Error(node.Path, "must not be empty");
                    return items.Select(i => i ?? "").ToArray();
                default:
                    Error(node.Path, "must be a string or a list of strings");
                    return null;
            }
        }

        private Dictionary<string, string> ReadEnvironment(SpecNode node) =>
            ReadKeyValues(node, "NAME=VALUE", name => EnvName().IsMatch(name) ? null : "is not a valid environment variable name");

        /// <summary>
        /// A mapping, or a list of <paramref name="form"/> strings (compose's two ways to write environment
        /// and labels); <paramref name="keyProblem"/> says what is wrong with a key, null when nothing is.
        /// </summary>
        private Dictionary<string, string> ReadKeyValues(SpecNode node, string form, Func<string, string?> keyProblem)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string path, string key, string value)
            {
                if (keyProblem(key) is { } problem) Error(path, problem);
                else if (!result.TryAdd(key, value)) Error(path, "is set twice");
            }
            switch (node)
            {
                case SpecMap map:
                    foreach (var (key, value) in map.Entries)
                    {
                        Add(value.Path, key, value is SpecScalar s ? s.Text ?? "" : Invalid(value, "must be a string"));
                    }
                    break;
                case SpecList list:
                    foreach (var item in list.Items)
                    {
                        if (ScalarText(item) is not { } text) continue;
                        var eq = text.IndexOf('=');
                        if (eq <= 0) Error(item.Path, $"must be {form}");
                        else Add(item.Path, text[..eq], text[(eq + 1)..]);
                    }
                    break;
                default:
                    Error(node.Path, $"must be a mapping or a list of {form}");
                    break;
            }
            return result;
        }

        private string[] ReadCapabilities(SpecNode node)
        {
            if (node is not SpecList list)
            {
                Error(node.Path, "must be a list of capability names, such as [NET_BIND_SERVICE]");
                return [];
            }
            var caps = new List<string>();
            foreach (var item in list.Items)
            {
                var text = ScalarText(item)?.ToUpperInvariant();
                if (text is null) continue;
                var name = text.StartsWith("CAP_", StringComparison.Ordinal) ? text[4..] : text;
                if (name.Length == 0 || name.Length > 32 || !name.All(c => c is (>= 'A' and <= 'Z') or '_')) Error(item.Path, "is not a capability name");
                else caps.Add(name);
            }
            return [.. caps.Distinct()];
        }

        /// <summary><c>pid</c> and <c>ipc</c>: only "host" means anything besides the default (the container's own).</summary>
        private string? ReadHostOnly(Fields fields, string key)
        {
            var value = fields.String(key);
            if (value is null or "private" or "") return null;
            if (value != "host") Error(key, "must be host or private (sharing another container's namespace is not supported)");
            return "host";
        }

        private VolumesSpec ReadVolumes(SpecNode node)
        {
            if (node is SpecList)
            {
                Error(node.Path, "is forbidden as a list: host bind mounts break tenant isolation; use volumes.state and volumes.secrets");
                return new VolumesSpec();
            }
            var fields = Fields.Of(node, this);
            if (fields is null) return new VolumesSpec();
            string? stateTarget = null, secretsTarget = null;
            var secretsReadOnly = true;
            if (Fields.Of(fields.Take("state"), this) is { } state)
            {
                stateTarget = state.AbsolutePath("target", required: true);
                state.RejectUnknown();
            }
            if (Fields.Of(fields.Take("secrets"), this) is { } secrets)
            {
                secretsTarget = secrets.AbsolutePath("target", required: true);
                secretsReadOnly = secrets.Bool("read_only") ?? true;
                secrets.RejectUnknown();
            }
            fields.RejectUnknown();
            if (stateTarget is not null && secretsTarget is not null
                && (stateTarget == secretsTarget || secretsTarget.StartsWith(stateTarget + "/", StringComparison.Ordinal) || stateTarget.StartsWith(secretsTarget + "/", StringComparison.Ordinal)))
            {
                // Secrets must never end up in a snapshot of the state.
                Error(node.Path.Length == 0 ? "volumes.secrets.target" : $"{node.Path}.secrets.target", "must be outside volumes.state.target (and not contain it)");
            }
            return new VolumesSpec { StateTarget = stateTarget, SecretsTarget = secretsTarget, SecretsReadOnly = secretsReadOnly };
        }

        private PortSpec[] ReadPorts(SpecNode node)
        {
            if (node is not SpecList list)
            {
                Error(node.Path, "must be a list of container ports (8080, \"8080/tcp\" or {container: 8080, protocol: tcp})");
                return [];
            }
            var result = new List<PortSpec>();
            foreach (var item in list.Items)
            {
                var spec = item is SpecMap ? ReadPortMap(item) : ReadPortText(item);
                if (spec is null) continue;
                if (result.Contains(spec)) Error(item.Path, $"{spec} is listed twice");
                else result.Add(spec);
            }
            return [.. result];
        }

        /// <summary>The short forms: <c>8080</c>, <c>"8080/udp"</c>.</summary>
        private PortSpec? ReadPortText(SpecNode item)
        {
            var text = ScalarText(item);
            if (text is null) return null;
            var parts = text.Split('/');
            var protocol = parts.Length == 2 ? parts[1].ToLowerInvariant() : "tcp";
            if (parts.Length > 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535 || protocol is not ("tcp" or "udp"))
            {
                Error(item.Path, "must be a container port 1-65535, optionally with /tcp or /udp (Berth chooses the host port)");
                return null;
            }
            return new PortSpec { ContainerPort = port, Protocol = protocol };
        }

        /// <summary>The Boilerhouse form: <c>{container: 8080, protocol: tcp}</c>.</summary>
        private PortSpec? ReadPortMap(SpecNode item)
        {
            var fields = Fields.Of(item, this)!;
            var port = fields.Peek("container") is null ? 0 : fields.Int("container", 0, min: 1, max: 65535);
            if (fields.Peek("container") is null) Error($"{item.Path}.container", "is required (the container port, 1-65535)");
            var protocol = fields.String("protocol")?.ToLowerInvariant() ?? "tcp";
            if (protocol is not ("tcp" or "udp")) Error($"{item.Path}.protocol", "must be tcp or udp");
            foreach (var hostField in new[] { "host", "published", "host_port" })
            {
                if (fields.Take(hostField) is { } hostNode) Error(hostNode.Path, "is not supported: Berth chooses the host port");
            }
            fields.RejectUnknown();
            return port == 0 || protocol is not ("tcp" or "udp") ? null : new PortSpec { ContainerPort = port, Protocol = protocol };
        }

        private HealthcheckSpec? ReadHealthcheck(SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null) return null;
            if (fields.Bool("disable") == true)
            {
                fields.RejectUnknown();
                return null;
            }
            string[]? test = null;
            switch (fields.Take("test"))
            {
                case null:
                    Error(node.Path.Length == 0 ? "healthcheck.test" : $"{node.Path}.test", "is required");
                    break;
                case SpecScalar { Text: { Length: > 0 } text }:
                    test = ["CMD-SHELL", text];
                    break;
                case SpecList list when list.Items.Count > 0:
                    var items = list.Items.Select(ScalarText).Select(i => i ?? "").ToArray();
                    if (items[0] is "CMD" or "CMD-SHELL" && items.Length >= 2) test = items;
                    else if (items[0] is "NONE") test = null;
                    else Error(list.Path, "must be [\"CMD\", args...], [\"CMD-SHELL\", command] or a command string");
                    break;
                case { } other:
                    Error(other.Path, "must be a command string or a list");
                    break;
            }
            // How long a member may take to turn healthy is derived from these (HealthcheckSpec.ReadyWithin),
            // never capped here: a slow check makes a slow pool, not an invalid spec.
            var interval = fields.Duration("interval", TimeSpan.FromSeconds(2), min: TimeSpan.FromMilliseconds(100), max: TimeSpan.FromHours(1));
            var timeout = fields.Duration("timeout", TimeSpan.FromSeconds(2), min: TimeSpan.FromMilliseconds(100), max: TimeSpan.FromHours(1));
            var retries = fields.Int("retries", 3, min: 1, max: 100);
            var startPeriod = fields.Duration("start_period", TimeSpan.Zero, min: TimeSpan.Zero, max: TimeSpan.FromHours(1));
            fields.RejectUnknown();
            return test is null ? null : new HealthcheckSpec
            {
                Test = test,
                Interval = interval,
                Timeout = timeout,
                Retries = retries,
                StartPeriod = startPeriod,
            };
        }

        private ResourceLimits ReadDeploy(SpecNode node)
        {
            var deploy = Fields.Of(node, this);
            var resources = Fields.Of(deploy?.Take("resources"), this);
            var limits = Fields.Of(resources?.Take("limits"), this);
            double? cpus = null;
            long? memory = null;
            if (limits is not null)
            {
                if (limits.Take("cpus") is { } cpuNode && ScalarText(cpuNode) is { } cpuText)
                {
                    if (double.TryParse(cpuText, NumberStyles.Float, CultureInfo.InvariantCulture, out var c) && c > 0 && c <= 1024) cpus = c;
                    else Error(cpuNode.Path, "must be a positive number of CPUs, e.g. 0.5");
                }
                if (limits.Take("memory") is { } memNode && ScalarText(memNode) is { } memText)
                {
                    if (!ByteSizeParser.TryParse(memText, out var bytes, bareUnit: 1024 * 1024)) Error(memNode.Path, "must be a size such as 64m or 1g (a bare number is megabytes)");
                    else if (bytes < MinMemoryBytes) Error(memNode.Path, "must be at least 6m (Docker's minimum)");
                    else memory = bytes;
                }
                limits.RejectUnknown();
            }
            resources?.RejectUnknown();
            deploy?.RejectUnknown();
            return new ResourceLimits { Cpus = cpus, MemoryBytes = memory };
        }

        private PoolSpec ReadPool(SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null) return new PoolSpec();
            var defaults = new PoolSpec();
            var min = fields.Int("min_size", defaults.MinSize, min: 0, max: MaxWarmSize);
            var max = fields.Int("max_size", Math.Max(defaults.MaxSize, min), min: 1, max: MaxPoolSize);
            if (max < min) Error($"{node.Path}.max_size", "must be ≥ min_size");
            var idle = fields.Duration("idle_timeout", defaults.IdleTimeout, min: TimeSpan.FromSeconds(1), max: TimeSpan.FromDays(30));
            var lost = fields.Duration("lost_timeout", defaults.LostTimeout, min: TimeSpan.FromSeconds(1), max: TimeSpan.FromDays(30));
            int? rate = fields.Peek("claims_per_minute") is null ? null : fields.Int("claims_per_minute", 0, min: 1, max: 1_000_000);
            var wait = fields.Duration("claim_wait", defaults.ClaimWait, min: TimeSpan.Zero, max: TimeSpan.FromMinutes(10));
            int? warm = fields.Peek("max_warm") is null ? null : fields.Int("max_warm", min, min: 0, max: MaxWarmSize);
            if (warm < min) Error($"{node.Path}.max_warm", "must be ≥ min_size");
            if (warm > max) Error($"{node.Path}.max_warm", "must be ≤ max_size");
            var claimIdle = OptionalDuration(fields, "claim_idle_timeout");
            var onIdle = fields.String("on_idle") switch
            {
                null or "release" => IdleAction.Release,
                "pause" => IdleAction.Pause,
                _ => Invalid($"{node.Path}.on_idle", "must be release or pause", IdleAction.Release),
            };
            var fileIdle = OptionalDuration(fields, "file_idle_ttl");
            var keep = OptionalDuration(fields, "keep_released");
            var pauseTimeout = OptionalDuration(fields, "pause_timeout");
            var maxClaim = OptionalDuration(fields, "max_claim_duration");
            fields.RejectUnknown();
            return new PoolSpec
            {
                MinSize = min, MaxSize = max, IdleTimeout = idle, LostTimeout = lost, ClaimsPerMinute = rate, ClaimWait = wait, MaxWarm = warm,
                ClaimIdleTimeout = claimIdle, OnIdle = onIdle, FileIdleTtl = fileIdle, KeepReleased = keep, PauseTimeout = pauseTimeout, MaxClaimDuration = maxClaim,
            };
        }

        /// <summary>A lifecycle limit: absent means none; given, one second to 30 days.</summary>
        private static TimeSpan? OptionalDuration(Fields fields, string key) =>
            fields.Peek(key) is null ? null : fields.Duration(key, TimeSpan.Zero, min: TimeSpan.FromSeconds(1), max: TimeSpan.FromDays(30));

        private T Invalid<T>(string path, string message, T fallback)
        {
            Error(path, message);
            return fallback;
        }

        private SyncSpec? ReadSync(SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null) return null;
            var (sink, location) = fields.Take("sink") is { } sinkNode ? ReadSink(sinkNode) : ("filesystem", null);
            var mappings = new List<SyncMapping>();
            switch (fields.Take("mappings"))
            {
                case null:
                    break;
                case SpecList list:
                    foreach (var item in list.Items)
                    {
                        var m = Fields.Of(item, this);
                        if (m is null) continue;
                        var path = StatePath(m, item.Path);
                        var direction = m.String("direction") ?? "bidirectional";
                        if (!Directions.Contains(direction)) Error($"{item.Path}.direction", $"must be one of {string.Join(", ", Directions)}");
                        var mode = m.String("mode") ?? "sync";
                        if (!Modes.Contains(mode)) Error($"{item.Path}.mode", $"must be one of {string.Join(", ", Modes)}");
                        var service = m.String("service");
                        m.RejectUnknown();
                        if (path is not null) mappings.Add(new SyncMapping { Path = path, Direction = direction, Mode = mode, Service = service });
                    }
                    break;
                case { } other:
                    Error(other.Path, "must be a list of {path, direction, mode}");
                    break;
            }
            var policy = new SyncPolicy();
            if (Fields.Of(fields.Take("policy"), this) is { } p)
            {
                var periodicNode = p.Peek("periodic");
                TimeSpan? periodic = null;
                if (periodicNode is SpecScalar { Text: "false" }) p.Take("periodic");
                else if (periodicNode is not null)
                {
                    var value = p.Duration("periodic", TimeSpan.Zero, min: TimeSpan.FromSeconds(10), max: TimeSpan.FromDays(1));
                    periodic = value > TimeSpan.Zero ? value : null;
                }
                policy = new SyncPolicy
                {
                    OnClaim = p.Bool("on_claim") ?? true,
                    OnRelease = p.Bool("on_release") ?? true,
                    Manual = p.Bool("manual") ?? false,
                    Periodic = periodic,
                };
                p.RejectUnknown();
            }
            var maxBytes = SyncSpec.DefaultMaxBytes;
            if (fields.Take("max_size") is { } maxNode && ScalarText(maxNode) is { } maxText)
            {
                if (!ByteSizeParser.TryParse(maxText, out maxBytes) || maxBytes < 1024) Error(maxNode.Path, "must be a size of at least 1k, such as 50m or 1g");
            }
            fields.RejectUnknown();
            return new SyncSpec { Sink = sink, Location = location, Mappings = [.. mappings], Policy = policy, MaxBytes = maxBytes };
        }

        /// <summary>
        /// A mapping's path, relative to the state volume as Boilerhouse means it: <c>/</c> is the whole
        /// volume, <c>credentials</c> a directory in it, <c>config.json</c> one file. A leading slash
        /// changes nothing (<c>/credentials</c> is <c>credentials</c>).
        /// </summary>
        private string? StatePath(Fields m, string itemPath)
        {
            var text = m.String("path");
            if (text is null)
            {
                Error($"{itemPath}.path", "is required (relative to volumes.state.target; / for all of it)");
                return null;
            }
            var segments = text.Split('/').Where(x => x is not ("" or ".")).ToArray();
            if (segments.Any(x => x == "..") || text.Contains('\0'))
            {
                Error($"{itemPath}.path", "must stay inside the state volume (no ..)");
                return null;
            }
            return segments.Length == 0 ? SyncMapping.WholeVolume : string.Join('/', segments);
        }

        /// <summary><c>sink: s3</c> (the cluster's settings), or Boilerhouse's map with its own bucket and keys.</summary>
        private (string Type, SinkLocation? Location) ReadSink(SpecNode node)
        {
            if (node is SpecScalar)
            {
                var name = ScalarText(node) ?? "filesystem";
                if (!Sinks.Contains(name)) Error(node.Path, SinkTypeMessage(name));
                return (name, null);
            }
            var fields = Fields.Of(node, this);
            if (fields is null) return ("filesystem", null);
            var type = fields.String("type");
            if (type is null) Error($"{node.Path}.type", "is required (s3, filesystem or postgres)");
            else if (!Sinks.Contains(type)) Error($"{node.Path}.type", SinkTypeMessage(type));
            var bucket = fields.String("bucket");
            if (bucket is not null && !BucketName().IsMatch(bucket)) Error($"{node.Path}.bucket", "must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens");
            var region = fields.String("region");
            if (region is not null && !RegionName().IsMatch(region)) Error($"{node.Path}.region", "must be a region name such as us-east-1");
            var endpoint = fields.String("endpoint");
            if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0))
            {
                Error($"{node.Path}.endpoint", "must be an http or https URL, such as http://minio:9000");
            }
            var prefix = fields.String("prefix");
            if (prefix is not null)
            {
                if (!prefix.Contains(SinkLocation.TenantIdPlaceholder, StringComparison.Ordinal)) Error($"{node.Path}.prefix", $"must contain {SinkLocation.TenantIdPlaceholder}, so that no two tenants share a prefix");
                else if (prefix.StartsWith('/') || prefix.Split('/').Any(x => x is ".." or ".") || prefix.Any(char.IsControl)) Error($"{node.Path}.prefix", "must be a relative key prefix without . or .. segments");
            }
            var accessKey = fields.String("access_key_id");
            var secretKey = fields.String("secret_access_key");
            if ((accessKey is null) != (secretKey is null))
            {
                Error($"{node.Path}.{(accessKey is null ? "access_key_id" : "secret_access_key")}", "is required with the other key: give both or neither");
            }
            var forcePathStyle = false;
            var ignored = new List<string>();
            switch (fields.Take("rclone_flags"))
            {
                case null:
                    break;
                case SpecList flags:
                    foreach (var flag in flags.Items)
                    {
                        if (ScalarText(flag) is not { } text) continue;
                        var flagName = text.Split('=', 2)[0];
                        if (text is "--s3-force-path-style" or "--s3-force-path-style=true") forcePathStyle = true;
                        else if (text is "--s3-force-path-style=false") forcePathStyle = false;
                        else if (flagName is "--s3-access-key-id" or "--s3-secret-access-key" or "--s3-session-token")
                        {
                            // A key in a flag would be stored and shown in clear: keys go where they are sealed.
                            Error(flag.Path, "must not carry credentials: give sync.sink.access_key_id and secret_access_key, which are encrypted and never shown");
                        }
                        else ignored.Add(flagName); // The name only: a value may hold anything.
                    }
                    break;
                case { } other:
                    Error(other.Path, "must be a list of rclone flags");
                    break;
            }
            fields.RejectUnknown();
            if (type is not null and not "s3" && (bucket ?? region ?? endpoint ?? prefix ?? accessKey) is not null)
            {
                Error($"{node.Path}.type", $"bucket, region, endpoint, prefix and keys apply to type s3 only, not {type}");
            }
            if (type is not "s3")
            {
                return (type ?? "filesystem", null);
            }
            return ("s3", new SinkLocation
            {
                Bucket = bucket,
                Region = region,
                Endpoint = endpoint,
                Prefix = prefix,
                ForcePathStyle = forcePathStyle,
                IgnoredFlags = [.. ignored],
                AccessKeyId = accessKey,
                SecretAccessKey = secretKey,
            });
        }

        private static string SinkTypeMessage(string name) => RcloneBackends.Contains(name)
            ? $"'{name}' is an rclone backend Berth does not support; use s3 (any S3-compatible store), filesystem or postgres"
            : $"must be one of {string.Join(", ", Sinks)}";

        /// <summary>
        /// Each synced path is saved on its own: no two the same or nested. Paths are inside the state
        /// volume, which is outside the secrets (see ReadVolumes), so no mapping reaches a secret.
        /// </summary>
        private void CheckMappings(SyncMapping[] mappings, VolumesSpec volumes)
        {
            if (mappings.Length > 0 && volumes.StateTarget is null)
            {
                Error("sync.mappings", "paths are relative to volumes.state.target, which is not set");
                return;
            }
            for (var i = 0; i < mappings.Length; i++)
            {
                if (mappings[i].Service is not null) Error($"sync.mappings[{i}].service", "names a service of a workload with services:, and this one has none");
            }
            CheckNesting(mappings, i => i);
        }

        /// <summary>Mappings of one state volume, none the same as or inside another; <paramref name="indexOf"/> gives each one's place in sync.mappings.</summary>
        private void CheckNesting(IReadOnlyList<SyncMapping> mappings, Func<int, int> indexOf)
        {
            for (var n = 0; n < mappings.Count; n++)
            {
                var i = indexOf(n);
                var path = mappings[n].Path;
                if (mappings.Take(n).Any(m => m.Path == path))
                {
                    Error($"sync.mappings[{i}].path", $"'{path}' is already mapped");
                    continue;
                }
                foreach (var other in mappings.Take(n).Select(m => m.Path))
                {
                    if (path == SyncMapping.WholeVolume || other == SyncMapping.WholeVolume || IsSameOrInside(path, other) || IsSameOrInside(other, path))
                    {
                        Error($"sync.mappings[{i}].path", $"must not be nested with '{other}': each synced path is saved on its own");
                    }
                }
            }
        }

        private static bool IsSameOrInside(string path, string directory) =>
            path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);

        internal string? ScalarText(SpecNode node)
        {
            if (node is SpecScalar { Text: { } text }) return text;
            Error(node.Path, node is SpecScalar ? "must not be null" : "must be a single value");
            return null;
        }

        internal string Invalid(SpecNode node, string message)
        {
            Error(node.Path, message);
            return "";
        }

        internal void Report(string path, string message) => Error(path, message);
    }

    /// <summary>The fields of one mapping: each read marks its key as known, the rest are rejected.</summary>
    private sealed class Fields(SpecMap map, Reader reader)
    {
        private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

        public static Fields? Of(SpecNode? node, Reader reader)
        {
            switch (node)
            {
                case null:
                case SpecScalar { Text: null }:
                    return null;
                case SpecMap map:
                    return new Fields(map, reader);
                default:
                    reader.Report(node.Path, "must be a mapping");
                    return null;
            }
        }

        private string PathOf(string key) => map.Path.Length == 0 ? key : $"{map.Path}.{key}";

        public SpecNode? Peek(string key) => map.Entries.FirstOrDefault(e => e.Key == key).Value;

        public SpecNode? Take(string key)
        {
            _taken.Add(key);
            var node = Peek(key);
            return node is SpecScalar { Text: null } ? null : node;
        }

        public string? String(string key) => Take(key) is { } node ? reader.ScalarText(node) : null;

        public bool? Bool(string key)
        {
            if (String(key) is not { } text) return null;
            if (text is "true" or "True" or "TRUE" or "yes") return true;
            if (text is "false" or "False" or "FALSE" or "no") return false;
            reader.Report(PathOf(key), "must be true or false");
            return null;
        }

        public int Int(string key, int fallback, int min, int max)
        {
            if (String(key) is not { } text) return fallback;
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                reader.Report(PathOf(key), "must be an integer");
                return fallback;
            }
            if (value < min || value > max)
            {
                reader.Report(PathOf(key), $"must be between {min} and {max}");
                return fallback;
            }
            return value;
        }

        public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan? max = null)
        {
            if (String(key) is not { } text) return fallback;
            if (!DurationParser.TryParse(text, out var value))
            {
                reader.Report(PathOf(key), "must be a duration such as 30s, 500ms or 1m30s (at most 365 days)");
                return fallback;
            }
            if (value < min)
            {
                reader.Report(PathOf(key), $"must be at least {min.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
                return fallback;
            }
            if (max is { } upper && value > upper)
            {
                reader.Report(PathOf(key), $"must be at most {upper.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
                return fallback;
            }
            return value;
        }

        public string? AbsolutePath(string key, bool required)
        {
            var text = String(key);
            if (text is null)
            {
                if (required) reader.Report(PathOf(key), "is required");
                return null;
            }
            if (!text.StartsWith('/') || text.Split('/').Any(s => s == "..") || text == "/")
            {
                reader.Report(PathOf(key), "must be an absolute path inside the container (not / and without ..)");
                return null;
            }
            return text.TrimEnd('/');
        }

        public void RejectUnknown()
        {
            foreach (var (key, value) in map.Entries)
            {
                if (!_taken.Contains(key)) reader.Report(value.Path, "unknown field");
            }
        }
    }
}

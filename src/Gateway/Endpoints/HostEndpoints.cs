using Berth.Contracts;
using Berth.Errors;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/hosts</c>: the registry of Docker hosts, and cordon, drain and removal.</summary>
public static class HostEndpoints
{
    /// <summary><c>POST /hosts</c>: a remote engine, reached over mutual TLS (or a local socket the silos share).</summary>
    public sealed record HostRequest(
        string? Id,
        string? Endpoint,
        string? PublishAddress,
        Dictionary<string, string>? Labels,
        int? MaxContainers,
        string? Memory,
        HostTlsRequest? Tls);

    /// <summary>PEM files on the silos (never their contents over the API).</summary>
    public sealed record HostTlsRequest(string? ClientCertificate, string? ClientKey, string? CaCertificate);

    public sealed record HostDrainResponse(bool Evict, DateTimeOffset StartedAt, int Total, int Done, int Remaining, DateTimeOffset? CompletedAt, string State, string? OperationId);

    /// <summary>A host as operators see it; with <see cref="Engine"/> (its engine's own view) for a single host.</summary>
    public sealed record HostResponse(
        string Id,
        string Kind,
        string State,
        DateTimeOffset StateSince,
        string Source,
        string? Endpoint,
        bool Tls,
        string PublishAddress,
        Dictionary<string, string> Labels,
        int? MaxContainers,
        long? MemoryBytes,
        int Containers,
        int CreatesInFlight,
        DateTimeOffset? LastHeartbeat,
        DateTimeOffset? DownSince,
        string? Problem,
        string Egress,
        HostDrainResponse? Drain,
        DateTimeOffset RegisteredAt,
        HostView? Engine = null,
        string? EngineError = null)
    {
        public static HostResponse From(HostEntry entry, HostView? engine = null, string? engineError = null)
        {
            var r = entry.Registration;
            return new HostResponse(r.HostId, Lower(r.Kind), Lower(entry.State), entry.StateSince, r.Source, r.Endpoint,
                r.TlsClientCertificate is { Length: > 0 }, r.PublishAddress, r.Labels, r.MaxContainers, r.MemoryBytes,
                entry.Containers, entry.CreatesInFlight, entry.LastHeartbeat, entry.DownSince, entry.Problem, entry.Egress,
                entry.Drain is { } d ? new HostDrainResponse(d.Evict, d.StartedAt, d.Total, d.Done, d.Remaining, d.CompletedAt, d.CompletedAt is null ? "running" : "done", d.OperationId) : null,
                entry.RegisteredAt, engine, engineError);
        }

        private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
    }

    private static IHostRegistryGrain Registry(IClusterClient cluster) => cluster.GetGrain<IHostRegistryGrain>(0);

    private static IResult? InvalidId(string hostId) =>
        ResourceIds.IsValidHostId(hostId) ? null : ProblemResults.BadRequest("hostId", $"host id must match {ResourceIds.HostIdPattern}");

    public static IEndpointRouteBuilder MapHostEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/hosts").WithTags("Hosts");

        hosts.MapGet("/", async (IClusterClient cluster, GrainCallRetry retry) =>
            Results.Ok((await retry.Run(() => Registry(cluster).List())).Select(e => HostResponse.From(e))))
            .Produces<HostResponse[]>()
            .WithSummary("Every registered host: state, labels, capacity, containers, last heartbeat")
            .RequireAuthorization(BerthPolicies.Read);

        hosts.MapGet("/{hostId}", async (string hostId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(hostId) is { } invalid) return invalid;
            if (await retry.Run(() => Registry(cluster).Get(hostId)) is not { } entry)
            {
                return ProblemResults.Problem(404, $"host '{hostId}' is not registered", "hostId");
            }
            if (entry.State is HostState.Down or HostState.Removed)
            {
                return Results.Ok(HostResponse.From(entry, engineError: $"host '{hostId}' is {entry.State.ToString().ToLowerInvariant()}"));
            }
            try
            {
                // The engine's own view (sweep time, egress notes); a host that does not answer is shown without it, not as a 5xx.
                var engine = await cluster.GetGrain<IAgentHostGrain>(hostId).GetView().WaitAsync(TimeSpan.FromSeconds(5));
                return Results.Ok(HostResponse.From(entry, engine));
            }
            catch (Exception ex) when (ex is BerthException or TimeoutException or OrleansException)
            {
                return Results.Ok(HostResponse.From(entry, engineError: ex.Message));
            }
        })
        .Produces<HostResponse>()
        .WithSummary("One host, with its engine's own view when it answers")
        .RequireAuthorization(BerthPolicies.Read);

        hosts.MapPost("/", async (HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            var (body, problem) = await RequestBody.ReadJsonAsync<HostRequest>(request, optional: false);
            if (problem is not null) return problem;
            if (Validate(body!) is { } invalid) return invalid;
            var existed = await retry.Run(() => Registry(cluster).Get(body!.Id!)) is { State: not HostState.Removed };
            var entry = await retry.Run(() => Registry(cluster).Register(ToRegistration(body!)));
            var response = HostResponse.From(entry);
            return existed ? Results.Ok(response) : Results.Created($"/hosts/{entry.HostId}", response);
        })
        .Produces<HostResponse>(201)
        .WithSummary("Register a remote Docker engine (tcp with mutual TLS, or a socket every silo shares)")
        .RequireAuthorization(BerthPolicies.Admin);

        hosts.MapPost("/{hostId}/cordon", (string hostId, IClusterClient cluster, GrainCallRetry retry) =>
            Act(hostId, () => retry.Run(() => Registry(cluster).Cordon(hostId))))
            .Produces<HostResponse>()
            .WithSummary("No new members on the host; its idle members keep serving warm claims")
            .RequireAuthorization(BerthPolicies.Operate);

        hosts.MapPost("/{hostId}/uncordon", (string hostId, IClusterClient cluster, GrainCallRetry retry) =>
            Act(hostId, () => retry.Run(() => Registry(cluster).Uncordon(hostId))))
            .Produces<HostResponse>()
            .WithSummary("The host takes new members again (ends a drain)")
            .RequireAuthorization(BerthPolicies.Operate);

        hosts.MapPost("/{hostId}/drain", async (string hostId, bool? evict, HttpContext context, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(hostId) is { } invalid) return invalid;
            // The host names the operation that tracks its drain; a drain already running keeps its own.
            var plan = OperationEndpoints.Plan(context, OperationKind.Drain, hostId);
            var entry = await retry.Run(() => Registry(cluster).Drain(hostId, evict == true, plan.Id));
            if (entry.Drain?.OperationId == plan.Id) await OperationEndpoints.StartAsync(context, plan, cluster, retry);
            else if (entry.Drain?.OperationId is { } running) OperationEndpoints.SetLocation(context, running);
            // Accepted: the drain goes on in the pools; the operation (and GET /hosts/{id}, drain.done of drain.total) shows its progress.
            return Results.Accepted($"/hosts/{hostId}", HostResponse.From(entry));
        })
        .Produces<HostResponse>(202)
        .WithSummary("Drain a host: no new members, idle members removed; claimed tenants stay until released, or with evict=true are saved and moved")
        .RequireAuthorization(BerthPolicies.Operate);

        hosts.MapDelete("/{hostId}", (string hostId, bool? force, IClusterClient cluster, GrainCallRetry retry) =>
            Act(hostId, () => retry.Run(() => Registry(cluster).Remove(hostId, force == true))))
            .Produces<HostResponse>()
            .WithSummary("Remove an empty host (force=true: one that still runs containers, which are left as they are)")
            .RequireAuthorization(BerthPolicies.Admin);

        return app;
    }

    private static async Task<IResult> Act(string hostId, Func<Task<HostEntry>> action)
    {
        if (InvalidId(hostId) is { } invalid) return invalid;
        return Results.Ok(HostResponse.From(await action()));
    }

    private static IResult? Validate(HostRequest body)
    {
        if (string.IsNullOrEmpty(body.Id)) return ProblemResults.BadRequest("id", "is required");
        if (!ResourceIds.IsValidHostId(body.Id)) return ProblemResults.BadRequest("id", $"must match {ResourceIds.HostIdPattern}");
        if (string.IsNullOrEmpty(body.Endpoint)) return ProblemResults.BadRequest("endpoint", "is required (unix:///path or tcp://host:port)");
        if (!Uri.TryCreate(body.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("unix" or "tcp"))
        {
            return ProblemResults.BadRequest("endpoint", "must be unix:///path or tcp://host:port");
        }
        if (endpoint.Scheme == "tcp" && (body.Tls?.ClientCertificate is not { Length: > 0 } || body.Tls.ClientKey is not { Length: > 0 }))
        {
            // An engine reachable over the network without mutual TLS hands root on that host to anyone who reaches it.
            return ProblemResults.BadRequest("tls", "a tcp endpoint needs mutual TLS: tls.clientCertificate and tls.clientKey (and tls.caCertificate)");
        }
        if (body.MaxContainers is < 1) return ProblemResults.BadRequest("maxContainers", "must be at least 1");
        if (body.Memory is { } memory && !ByteSizeParser.TryParse(memory, out _)) return ProblemResults.BadRequest("memory", "must be a size like 8g or 512m");
        if (body.PublishAddress is { } address && !System.Net.IPAddress.TryParse(address, out _)) return ProblemResults.BadRequest("publishAddress", "must be an IP address");
        foreach (var (key, value) in body.Labels ?? [])
        {
            if (!ResourceIds.IsValidLabelName(key)) return ProblemResults.BadRequest($"labels.{key}", "is not a valid label name");
            if (value is null || value.Length > 253) return ProblemResults.BadRequest($"labels.{key}", "must be a string of at most 253 characters");
        }
        return null;
    }

    private static HostRegistration ToRegistration(HostRequest body) => new()
    {
        HostId = body.Id!,
        Kind = HostKind.Remote,
        Endpoint = body.Endpoint,
        PublishAddress = body.PublishAddress ?? "127.0.0.1",
        Labels = new Dictionary<string, string>(body.Labels ?? [], StringComparer.Ordinal),
        MaxContainers = body.MaxContainers,
        MemoryBytes = body.Memory is { } memory && ByteSizeParser.TryParse(memory, out var bytes) ? bytes : null,
        TlsClientCertificate = body.Tls?.ClientCertificate,
        TlsClientKey = body.Tls?.ClientKey,
        TlsCaCertificate = body.Tls?.CaCertificate,
        Source = "api",
    };
}

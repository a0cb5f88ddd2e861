using System.Text;
using System.Text.Json;
using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/tenants/{tenantId}/exec</c>, <c>/logs</c> and <c>/files</c>: a claimed container reached through
/// its host grain (the only caller of Docker). Execs are audited with their command and exit code.
/// </summary>
public static class ContainerAccessEndpoints
{
    /// <summary>Where a handler leaves what the audit record should add to the action (an exec's command and exit code).</summary>
    public const string AuditDetailItem = "berth.audit.detail";

    public sealed record ExecBody(string? Workload, string[]? Command, Dictionary<string, string>? Env = null, string? Workdir = null,
        string? User = null, string? Stdin = null, string? Timeout = null, bool Tty = false, string? Service = null);

    public sealed record ExecResult(long? ExitCode, string Stdout, string Stderr, bool TimedOut, bool StdoutTruncated, bool StderrTruncated, string? Note);

    public const string NdJson = "application/x-ndjson";
    public const string Tar = "application/x-tar";

    public static IServiceCollection AddContainerAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ContainerAccessOptions>(configuration.GetSection(ContainerAccessOptions.Section));
        services.TryAddSingleton<TenantActivity>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>One NDJSON line of output; the decoder keeps a character split across chunks whole.</summary>
    internal static string NdJsonLine(OutputChunk chunk, Decoder decoder)
    {
        var chars = new char[decoder.GetCharCount(chunk.Data, flush: false)];
        decoder.GetChars(chunk.Data, chars, flush: false);
        return JsonSerializer.Serialize(new { stream = chunk.Stream == OutputStream.Stderr ? "stderr" : "stdout", data = new string(chars) }) + "\n";
    }

    private static Decoder DecoderOf(Dictionary<OutputStream, Decoder> decoders, OutputStream stream) =>
        decoders.TryGetValue(stream, out var decoder) ? decoder : decoders[stream] = new UTF8Encoding(false).GetDecoder();

    public static void MapContainerAccessEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tenants/{tenantId}").WithTags("Container access");

        group.MapPost("/exec", ExecAsync)
            .WithSummary("Run a command in the tenant's claimed container: JSON result, or streamed with Accept: application/x-ndjson")
            .Produces<ExecResult>()
            .RequireAuthorization(BerthPolicies.TenantWrite);

        group.Map("/exec/ws", InteractiveExec.RunAsync)
            .WithSummary("Interactive exec over a WebSocket (binary frames: stdin/stdout; text frames: control messages)")
            .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapGet("/logs", LogsAsync)
            .WithSummary("The claimed container's stdout and stderr (text/plain, or NDJSON with the stream named); follow=true streams new output")
            .RequireAuthorization(BerthPolicies.TenantRead);

        group.MapGet("/files", ReadFileAsync)
            .WithSummary("One file (raw bytes) or a directory (application/x-tar) from the claimed container")
            .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapPut("/files", WriteFileAsync)
            .WithSummary("Write one file (raw body) or extract a tar (Content-Type: application/x-tar) into a directory of the claimed container")
            .RequireAuthorization(BerthPolicies.TenantWrite);
    }

    /// <summary>
    /// The tenant's one claimed container (of <paramref name="workload"/> when named; in a stack, of
    /// <paramref name="service"/> when named, else the primary's), with its host grain.
    /// </summary>
    internal static async Task<(TenantClaimView? Claim, string? ContainerId, IAgentHostGrain? Host, IResult? Problem)> TargetAsync(
        string tenantId, string? workload, string? service, IClusterClient cluster, GrainCallRetry retry, TenantActivity activity)
    {
        if (TenantEndpoints.InvalidTenant(tenantId) is { } badTenant) return (null, null, null, badTenant);
        if (workload is not null && !ResourceIds.IsValidWorkloadId(workload))
        {
            return (null, null, null, ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}"));
        }
        var (claim, problem) = await ClaimedContainers.SingleAsync(tenantId, workload, cluster, retry);
        if (problem is not null) return (null, null, null, problem);
        if (service is { Length: > 0 } && ServiceProblem(claim!, service) is { } badService) return (null, null, null, badService);
        activity.Record(tenantId);
        var containerId = service is { Length: > 0 } ? claim!.Services!.First(s => s.Service == service).ContainerId : claim!.ContainerId!;
        return (claim, containerId, cluster.GetGrain<IAgentHostGrain>(claim!.HostId!), null);
    }

    private static IResult? ServiceProblem(TenantClaimView claim, string service) => claim.Services switch
    {
        null => ProblemResults.BadRequest("service", $"workload '{claim.Workload}' has no services: leave service out"),
        var services when services.All(s => s.Service != service) =>
            ProblemResults.BadRequest("service", $"workload '{claim.Workload}' has no service '{service}' (services: {string.Join(", ", services.Select(s => s.Service))})"),
        _ => null,
    };

    private static async Task ExecAsync(string tenantId, HttpContext context, IClusterClient cluster, GrainCallRetry retry, IOptions<ContainerAccessOptions> options)
    {
        var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ExecBody>(context.Request, optional: false);
        if (bodyProblem is not null)
        {
            await bodyProblem.ExecuteAsync(context);
            return;
        }
        if (body!.Command is not { Length: > 0 } command || command.Any(string.IsNullOrEmpty))
        {
            await ProblemResults.BadRequest("command", "command must be a non-empty list of strings, e.g. [\"ls\", \"-la\"]").ExecuteAsync(context);
            return;
        }
        var timeout = options.Value.ExecTimeout;
        if (body.Timeout is { } text && (!DurationParser.TryParse(text, out timeout) || timeout <= TimeSpan.Zero || timeout > options.Value.MaxExecTimeout))
        {
            await ProblemResults.BadRequest("timeout", $"timeout must be a duration such as 30s or 5m, at most {options.Value.MaxExecTimeout} (got '{text}')").ExecuteAsync(context);
            return;
        }
        var (claim, containerId, host, problem) = await TargetAsync(tenantId, body.Workload, body.Service, cluster, retry, context.RequestServices.GetRequiredService<TenantActivity>());
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        var request = new ExecRequest
        {
            Command = command,
            Environment = body.Env ?? [],
            WorkingDirectory = body.Workdir,
            User = body.User,
            Stdin = body.Stdin is null ? null : Encoding.UTF8.GetBytes(body.Stdin),
            Tty = body.Tty,
        };
        var auditCommand = string.Join(' ', command.Select(a => a.Contains(' ') ? $"'{a}'" : a));
        context.Items[AuditDetailItem] = $"[{auditCommand}] on {claim!.Workload}";
        var events = host!.Exec(containerId!, request, timeout, context.RequestAborted);
        var streamed = context.Request.Headers.Accept.ToString().Contains(NdJson, StringComparison.OrdinalIgnoreCase);
        var end = streamed
            ? await StreamExecAsync(events, context)
            : await CollectExecAsync(events, context, options.Value.MaxExecOutputBytes);
        context.Items[AuditDetailItem] = $"[{auditCommand}] on {claim.Workload}: " + (end is null ? "client left"
            : end.TimedOut ? "timed out" : $"exit {end.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
    }

    private static async Task<ExecEvent?> CollectExecAsync(IAsyncEnumerable<ExecEvent> events, HttpContext context, int maxBytes)
    {
        var stdout = new BoundedText(maxBytes);
        var stderr = new BoundedText(maxBytes);
        ExecEvent? end = null;
        await foreach (var e in events.WithCancellation(context.RequestAborted))
        {
            if (e.Output is { } output) (output.Stream == OutputStream.Stderr ? stderr : stdout).Append(output.Data);
            if (e.Ended) end = e;
        }
        await Results.Ok(new ExecResult(end?.ExitCode, stdout.Text, stderr.Text, end?.TimedOut == true, stdout.Truncated, stderr.Truncated, end?.Note))
            .ExecuteAsync(context);
        return end;
    }

    private static async Task<ExecEvent?> StreamExecAsync(IAsyncEnumerable<ExecEvent> events, HttpContext context)
    {
        var enumerator = events.GetAsyncEnumerator(context.RequestAborted);
        try
        {
            // The first event (or the start's error) comes before any byte is written, so a bad start is still a problem response.
            if (!await enumerator.MoveNextAsync()) return null;
            context.Response.ContentType = NdJson;
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var decoders = new Dictionary<OutputStream, Decoder>();
            ExecEvent? end = null;
            do
            {
                var e = enumerator.Current;
                string line;
                if (e.Output is { } output)
                {
                    line = NdJsonLine(output, DecoderOf(decoders, output.Stream));
                }
                else
                {
                    end = e;
                    line = JsonSerializer.Serialize(new { exitCode = e.ExitCode, timedOut = e.TimedOut, note = e.Note }) + "\n";
                }
                await context.Response.WriteAsync(line, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
            while (await enumerator.MoveNextAsync());
            return end;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    /// <summary>UTF-8 text kept up to a byte limit; what is past it is dropped and flagged.</summary>
    private sealed class BoundedText(int maxBytes)
    {
        private readonly MemoryStream _bytes = new();

        public bool Truncated { get; private set; }

        public void Append(byte[] data)
        {
            var room = (int)Math.Max(0, maxBytes - _bytes.Length);
            _bytes.Write(data, 0, Math.Min(room, data.Length));
            if (data.Length > room) Truncated = true;
        }

        public string Text => Encoding.UTF8.GetString(_bytes.GetBuffer(), 0, (int)_bytes.Length);
    }

    private static async Task LogsAsync(string tenantId, string? workload, string? service, int? tail, string? since, bool? follow, HttpContext context,
        IClusterClient cluster, GrainCallRetry retry, TimeProvider clock)
    {
        if (tail is < 0)
        {
            await ProblemResults.BadRequest("tail", "tail must be 0 or more lines").ExecuteAsync(context);
            return;
        }
        DateTimeOffset? from = null;
        if (since is { Length: > 0 })
        {
            if (DurationParser.TryParse(since, out var ago)) from = clock.GetUtcNow() - ago;
            else if (DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)) from = at;
            else
            {
                await ProblemResults.BadRequest("since", $"since must be a duration (10m) or a time (2026-01-31T12:00:00Z), got '{since}'").ExecuteAsync(context);
                return;
            }
        }
        var (_, containerId, host, problem) = await TargetAsync(tenantId, workload, service, cluster, retry, context.RequestServices.GetRequiredService<TenantActivity>());
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        var ndjson = context.Request.Headers.Accept.ToString().Contains(NdJson, StringComparison.OrdinalIgnoreCase);
        var chunks = host!.Logs(containerId!, new LogsRequest { Tail = tail, Since = from, Follow = follow == true }, context.RequestAborted);
        var enumerator = chunks.GetAsyncEnumerator(context.RequestAborted);
        try
        {
            var more = await enumerator.MoveNextAsync();
            context.Response.ContentType = ndjson ? NdJson : "text/plain; charset=utf-8";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await context.Response.StartAsync(context.RequestAborted);
            var decoders = new Dictionary<OutputStream, Decoder>();
            for (; more; more = await enumerator.MoveNextAsync())
            {
                var chunk = enumerator.Current;
                if (ndjson)
                {
                    await context.Response.WriteAsync(NdJsonLine(chunk, DecoderOf(decoders, chunk.Stream)), context.RequestAborted);
                }
                else
                {
                    await context.Response.Body.WriteAsync(chunk.Data, context.RequestAborted);
                }
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: the host grain's stream is cancelled with it.
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    private static async Task<IResult> ReadFileAsync(string tenantId, string? workload, string? service, string? path, IClusterClient cluster, GrainCallRetry retry,
        IOptions<ContainerAccessOptions> options, TenantActivity activity)
    {
        var (normalized, pathProblem) = ContainerPaths.Normalize(path);
        if (pathProblem is not null) return ProblemResults.BadRequest("path", pathProblem);
        var (_, containerId, host, problem) = await TargetAsync(tenantId, workload, service, cluster, retry, activity);
        if (problem is not null) return problem;
        var content = await retry.Run(() => host!.ReadFile(containerId!, normalized!, options.Value.MaxFileBytes));
        return content.IsDirectory
            ? Results.File(content.Content, Tar, fileDownloadName: $"{(normalized == "/" ? "root" : normalized![(normalized!.LastIndexOf('/') + 1)..])}.tar")
            : Results.File(content.Content, "application/octet-stream");
    }

    private static async Task<IResult> WriteFileAsync(string tenantId, string? workload, string? service, string? path, HttpRequest request, IClusterClient cluster,
        GrainCallRetry retry, IOptions<ContainerAccessOptions> options, TenantActivity activity)
    {
        var (normalized, pathProblem) = ContainerPaths.Normalize(path);
        if (pathProblem is not null) return ProblemResults.BadRequest("path", pathProblem);
        var archive = request.ContentType?.StartsWith(Tar, StringComparison.OrdinalIgnoreCase) == true;
        if (!archive && normalized == "/") return ProblemResults.BadRequest("path", "a file's path names the file, not /");
        var (claim, containerId, host, problem) = await TargetAsync(tenantId, workload, service, cluster, retry, activity);
        if (problem is not null) return problem;
        var spec = (await retry.Run(() => cluster.GetGrain<IWorkloadCatalogGrain>(0).Get(claim!.Workload)))?.Spec;
        var volumes = service is { Length: > 0 } ? spec?.Services?.FirstOrDefault(s => s.Name == service)?.Volumes : spec?.Volumes;
        if (volumes?.SecretsTarget is { } secrets && (ContainerPaths.IsWithin(normalized!, secrets) || (archive && ContainerPaths.IsWithin(secrets, normalized!))))
        {
            return ProblemResults.Problem(StatusCodes.Status409Conflict, $"{secrets} holds the tenant's secrets and is read-only here; use PUT /tenants/{{tenantId}}/secrets/{{name}}", "path");
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = options.Value.MaxFileBytes;
        var content = await RequestBody.ReadBytesAsync(request, options.Value.MaxFileBytes);
        await retry.Run(() => host!.WriteFile(containerId!, normalized!, content, archive));
        return Results.NoContent();
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using Berth.Contracts;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Pause and hot resume, stop and start, ttl, idle release and pressure on the real engine, over HTTP.</summary>
[Collection(BerthClusterCollection.Name)]
public sealed class TenantLifecycleDockerTests(BerthClusterFixture berth)
{
    private BerthApi Api => berth.Api;

    /// <summary>A process that counts in memory and writes its count to the state volume every 100 ms.</summary>
    private static string Counter(string id, int max, string pool = "") => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done"]
        user: "1000:1000"
        read_only: true
        volumes:
          state:
            target: /data
        pool:
          min_size: 1
          max_size: {max}
          claim_wait: 30s
        {pool}
        """;

    private async Task RegisterAsync(string id, string yaml)
    {
        using var response = await Api.PutWorkloadYamlAsync(id, yaml);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT /workloads/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<TenantClaimView> PostAsync(string tenant, string verb, object? body = null)
    {
        using var response = await Api.Http.PostAsync($"/tenants/{tenant}/{verb}", body is null ? null : JsonContent.Create(body));
        return await BerthApi.ReadOkAsync<TenantClaimView>(response);
    }

    /// <summary>The counter's last write; -1 when caught between its truncate and its write.</summary>
    private async Task<long> CountAsync(string containerId) =>
        long.TryParse(Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, containerId, "/data/count")).Trim(), out var n) ? n : -1;

    private async Task<TenantClaimView> ClaimOfAsync(string tenant, string workload) =>
        (await Api.StatusAsync(tenant)).Claims.Single(c => c.Workload == workload);

    [DockerFact]
    public async Task A_paused_container_resumes_with_its_memory_and_a_stopped_one_starts_with_its_files()
    {
        var workload = Workloads.NewId("pause");
        await RegisterAsync(workload, Counter(workload, max: 2));
        await Api.WaitForIdleAsync(workload, 1);
        var tenant = $"p-{workload}";
        var claim = await Api.ClaimOkAsync(tenant, workload);
        await Eventually.Until(() => CountAsync(claim.ContainerId!), n => n >= 5, "the counter to count");

        // A tenant key pauses its own tenant's container only.
        using (var stranger = berth.Deployment.NewClient(await Api.CreateKeyAsync("tenant", $"other-{workload}")))
        using (var denied = await stranger.PostAsync($"/tenants/{tenant}/pause", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }
        var paused = await PostAsync(tenant, "pause");
        Assert.Equal(TenantClaimState.Paused, paused.State);
        Assert.True((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Paused);
        var frozen = await CountAsync(claim.ContainerId!);
        await Task.Delay(500);
        Assert.Equal(frozen, await CountAsync(claim.ContainerId!));

        var resumed = await Api.ClaimOkAsync(tenant, workload);

        Assert.Equal(claim.ContainerId, resumed.ContainerId);
        Assert.Equal(ClaimSource.Resumed, resumed.Source);
        Assert.Null(resumed.RestoredFrom);
        var inspect = await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId);
        Assert.True(inspect.State.Running && !inspect.State.Paused);
        // The same process counts on from where it froze (a restart would begin again at 1).
        var after = await Eventually.Until(() => CountAsync(claim.ContainerId!), n => n > frozen, "the counter to count on");
        Assert.True(after > frozen);

        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["marker"] = "before stop"u8.ToArray() });
        var stopped = await PostAsync(tenant, "stop");
        Assert.Equal(TenantClaimState.Stopped, stopped.State);
        Assert.False((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Running);
        Assert.Equal(TenantClaimState.Stopped, (await ClaimOfAsync(tenant, workload)).State);

        var started = await PostAsync(tenant, "start");

        Assert.Equal(TenantClaimState.Claimed, started.State);
        Assert.Equal(claim.ContainerId, started.ContainerId);
        Assert.True((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Running);
        Assert.Equal("before stop", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, claim.ContainerId!, "/data/marker")));

        using var conflict = await Api.Http.PostAsync($"/tenants/{tenant}/resume", null);
        Assert.Equal(HttpStatusCode.OK, conflict.StatusCode);
        await Api.ReleaseOkAsync(tenant);
        using var refused = await Api.Http.PostAsync($"/tenants/{tenant}/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        using var badTtl = await Api.Http.PostAsync($"/tenants/{tenant}/claim", JsonContent.Create(new { workload, ttl = "soon" }));
        Assert.Equal(HttpStatusCode.BadRequest, badTtl.StatusCode);
        Assert.Contains("ttl", await badTtl.Content.ReadAsStringAsync());

        // Every change is an event, in order, for this tenant.
        var events = await Eventually.Until(async () => System.Text.Json.JsonDocument.Parse(await Api.Http.GetStringAsync($"/events?since=0&tenant={tenant}")).RootElement,
            e => e.EnumerateArray().Any(x => x.GetProperty("type").GetString() == "released"), "the lifecycle events");
        Assert.Equal(["claimed", "paused", "resumed", "stopped", "started", "released"],
            events.EnumerateArray().Select(e => e.GetProperty("type").GetString()).Where(t => t != "saved"));
        Assert.All(events.EnumerateArray(), e => Assert.Equal(workload, e.GetProperty("workload").GetString()));

        // Each move is audited, the refused one with its 409.
        var audit = await Eventually.Until(async () => System.Text.Json.JsonDocument.Parse(await Api.Http.GetStringAsync($"/audit?resource=tenant:{tenant}&limit=100")).RootElement,
            a => a.EnumerateArray().Any(x => x.GetProperty("result").ToString() == "409"), "the lifecycle calls to be audited");
        var actions = audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        foreach (var verb in new[] { "pause", "stop", "start", "resume" })
        {
            Assert.Contains($"POST /tenants/{{tenantId}}/{verb}", actions);
        }
    }

    [DockerFact]
    public async Task Ttl_and_idle_release_save_and_free_and_a_full_pool_evicts_the_paused_container()
    {
        var workload = Workloads.NewId("limit");
        await RegisterAsync(workload, Counter(workload, max: 1, pool: "  claim_idle_timeout: 3s"));
        await Api.WaitForIdleAsync(workload, 1);

        // ttl: released at its end with the state saved.
        var timed = $"ttl-{workload}";
        using (var response = await Api.Http.PostAsync($"/tenants/{timed}/claim", JsonContent.Create(new { workload, ttl = "2s" })))
        {
            var claim = await BerthApi.ReadOkAsync<TenantClaimView>(response);
            Assert.NotNull(claim.ExpiresAt);
            var released = await Eventually.Until(() => ClaimOfAsync(timed, workload), c => c.State == TenantClaimState.Released, "the ttl to release the claim");
            Assert.NotNull(released.LastSnapshotAt);
            await Eventually.Until(async () => (await berth.Docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true }))
                .Any(c => c.ID == claim.ContainerId), gone => !gone, "the expired container to be removed");
        }

        // idle: no activity for claim_idle_timeout releases it, saved.
        await Api.WaitForIdleAsync(workload, 1);
        var idle = $"idle-{workload}";
        var idleClaim = await Api.ClaimOkAsync(idle, workload);
        var idleReleased = await Eventually.Until(() => ClaimOfAsync(idle, workload), c => c.State == TenantClaimState.Released, "the idle claim to be released");
        Assert.NotNull(idleReleased.LastSnapshotAt);
        Assert.NotEqual(idleClaim.ContainerId, (await Api.WaitForIdleAsync(workload, 1)).Members.Single().ContainerId);

        // pressure: max_size 1 held by a paused container; another tenant's claim makes it go, saved.
        var sleeper = $"zz-{workload}";
        var paused = await Api.ClaimOkAsync(sleeper, workload);
        await PostAsync(sleeper, "pause");
        var other = await Api.ClaimOkAsync($"other-{workload}", workload);

        Assert.NotEqual(paused.ContainerId, other.ContainerId);
        var evicted = await ClaimOfAsync(sleeper, workload);
        Assert.Equal(TenantClaimState.Released, evicted.State);
        Assert.NotNull(evicted.LastSnapshotAt);
        await Api.ReleaseOkAsync($"other-{workload}");
    }

    [DockerFact]
    public async Task A_claim_whose_state_files_stop_changing_is_released_while_a_writing_one_stays()
    {
        var busy = Workloads.NewId("busy");
        var quiet = Workloads.NewId("quiet");
        await RegisterAsync(busy, Counter(busy, max: 1, pool: "  file_idle_ttl: 3s"));
        await RegisterAsync(quiet, Counter(quiet, max: 1, pool: "  file_idle_ttl: 3s").Replace("while true; do i=$((i+1)); echo $i > /data/count; sleep 0.1; done", "echo 1 > /data/count; exec sleep 3600"));
        await Api.WaitForIdleAsync(busy, 1);
        await Api.WaitForIdleAsync(quiet, 1);
        var tenant = $"f-{busy}";
        await Api.ClaimOkAsync(tenant, busy);
        await Api.ClaimOkAsync(tenant, quiet);

        var released = await Eventually.Until(() => ClaimOfAsync(tenant, quiet), c => c.State == TenantClaimState.Released, "the claim whose files stopped changing to be released");

        Assert.NotNull(released.LastSnapshotAt);
        // The writing one was looked at as often and stays (its newest change is never 3 s old).
        Assert.Equal(TenantClaimState.Claimed, (await ClaimOfAsync(tenant, busy)).State);
        // Events are stored in the background: the feed may list this one a moment after the release.
        var expired = await Eventually.Until(
            async () => System.Text.Json.JsonDocument.Parse(await Api.Http.GetStringAsync($"/events?since=0&tenant={tenant}&type=expired")).RootElement,
            e => e.GetArrayLength() > 0, "the expiry to be in the event feed");
        Assert.Contains("pool.file_idle_ttl", Assert.Single(expired.EnumerateArray()).GetProperty("reason").GetString());
        await Api.ReleaseOkAsync(tenant, busy);
    }
}

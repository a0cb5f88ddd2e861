using System.Net;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Integration;

/// <summary>The claim path end to end: HTTP on 127.0.0.1 → silo process → real Docker engine.</summary>
[Collection(BerthClusterCollection.Name)]
public sealed class DockerClaimTests(BerthClusterFixture berth)
{
    private BerthApi Api => berth.Api;

    private async Task RegisterAsync(string id, string yaml)
    {
        using var response = await Api.PutWorkloadYamlAsync(id, yaml);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT /workloads/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [DockerFact]
    public async Task A_claim_gets_a_labelled_hardened_container_that_serves_http_and_release_removes_it()
    {
        var workload = Workloads.NewId("life");
        await RegisterAsync(workload, Workloads.WebServer(workload, min: 2, max: 4));
        var warm = await Api.WaitForIdleAsync(workload, 2);

        var claim = await Api.ClaimOkAsync($"alice-{workload}", workload);

        Assert.Equal(ClaimSource.Warm, claim.Source);
        Assert.Equal(TenantClaimState.Claimed, claim.State);
        Assert.Contains(warm.Members, m => m.ContainerId == claim.ContainerId);
        Assert.NotNull(claim.ClaimedAt);

        var inspect = await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId);
        Assert.True(inspect.State.Running);
        Assert.Equal("healthy", inspect.State.Health.Status);
        var labels = inspect.Config.Labels;
        Assert.Equal("true", labels["berth.managed"]);
        Assert.Equal(berth.ClusterId, labels["berth.cluster"]);
        Assert.Equal(workload, labels["berth.workload"]);
        Assert.Equal("local", labels["berth.host"]);
        Assert.Equal(claim.MemberId, labels["berth.member"]);
        Assert.Equal(warm.SpecVersion, labels["berth.spec"]);
        Assert.Equal("1000:1000", inspect.Config.User);
        Assert.True(inspect.HostConfig.ReadonlyRootfs);
        Assert.Equal(64L * 1024 * 1024, inspect.HostConfig.Memory);
        Assert.Equal(500_000_000L, inspect.HostConfig.NanoCPUs);
        Assert.Contains("GREETING=hello", inspect.Config.Env);
        Assert.Equal(["httpd", "-f", "-p", "8080", "-h", "/www"], inspect.Config.Cmd);
        Assert.Equal("CMD", inspect.Config.Healthcheck.Test[0]);
        Assert.Contains("ALL", inspect.HostConfig.CapDrop);
        Assert.Contains("no-new-privileges", inspect.HostConfig.SecurityOpt);
        Assert.True(inspect.HostConfig.PidsLimit > 0);
        Assert.Contains(inspect.Mounts, m => m.Destination == "/data" && m.Type == "volume");

        var endpoint = Assert.Single(claim.Endpoints);
        Assert.Equal(8080, endpoint.ContainerPort);
        Assert.Equal("127.0.0.1", endpoint.HostIp);
        using (var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            Assert.Equal("berth test image\n", await direct.GetStringAsync($"http://{endpoint.Address}/"));
        }

        var again = await Api.ClaimOkAsync($"alice-{workload}", workload);
        Assert.Equal(claim.ContainerId, again.ContainerId);

        var released = await Api.ReleaseOkAsync($"alice-{workload}");
        Assert.Equal(TenantClaimState.Released, released.State);
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => berth.Docker.Containers.InspectContainerAsync(claim.ContainerId));

        var refilled = await Api.WaitForIdleAsync(workload, 2);
        Assert.DoesNotContain(refilled.Members, m => m.ContainerId == claim.ContainerId);
        var status = await Api.StatusAsync($"alice-{workload}");
        Assert.Equal(TenantClaimState.Released, Assert.Single(status.Claims).State);
    }

    [DockerFact]
    public async Task Fifty_tenants_claiming_at_once_from_ten_warm_each_get_their_own_container()
    {
        var workload = Workloads.NewId("burst");
        await RegisterAsync(workload, Workloads.Sleeper(workload, min: 10, max: 60));
        await Api.WaitForIdleAsync(workload, 10);

        var tenants = Enumerable.Range(0, 50).Select(i => $"t{i:00}-{workload}").ToArray();
        var claims = await Task.WhenAll(tenants.Select(t => Api.ClaimOkAsync(t, workload)));

        Assert.Equal(50, claims.Select(c => c.ContainerId).Distinct().Count());
        Assert.Equal(tenants.Order(), claims.Select(c => c.TenantId).Order());
        Assert.True(claims.Count(c => c.Source == ClaimSource.Warm) >= 1, "no claim was served warm");

        // Docker is the judge: each claimed container runs, belongs to this workload, and any tenant
        // label (cold members are labelled at creation) names the tenant that holds it.
        foreach (var claim in claims)
        {
            var inspect = await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId);
            Assert.True(inspect.State.Running, $"{claim.ContainerId} of {claim.TenantId} is {inspect.State.Status}");
            Assert.Equal(workload, inspect.Config.Labels["berth.workload"]);
            if (inspect.Config.Labels.TryGetValue("berth.tenant", out var labelledTenant))
            {
                Assert.Equal(claim.TenantId, labelledTenant);
            }
        }
        var inDocker = await berth.ListContainersAsync(workload);
        Assert.True(inDocker.Count <= 60, $"{inDocker.Count} containers exceed max_size 60");
        Assert.Equal(inDocker.Count, inDocker.Select(c => c.Labels["berth.member"]).Distinct().Count());

        // Each tenant holds exactly one container, and claiming again changes nothing.
        var statuses = await Task.WhenAll(tenants.Take(10).Select(Api.StatusAsync));
        Assert.All(statuses, s => Assert.Single(s.Claims));
        var repeats = await Task.WhenAll(claims.Take(10).Select(c => Api.ClaimOkAsync(c.TenantId, workload)));
        Assert.Equal(claims.Take(10).Select(c => c.ContainerId), repeats.Select(r => r.ContainerId));

        var pool = await Api.PoolAsync(workload);
        Assert.Equal(50, pool.Claimed);
        Assert.All(claims, c => Assert.Equal(c.TenantId, pool.Members.Single(m => m.ContainerId == c.ContainerId).TenantId));

        await Task.WhenAll(tenants.Select(t => Api.ReleaseOkAsync(t)));
        // Bounded by the reconciliation window (a member whose create outlived its claim goes at its
        // creation deadline), which a loaded machine can reach: a hang bound, not a speed target.
        await Eventually.Until(async () => (await berth.ListContainersAsync(workload)).Count, n => n == 10, "released containers to be removed", TimeSpan.FromMinutes(3));
    }

    [DockerFact]
    public async Task An_empty_pool_below_max_creates_on_demand_and_at_max_answers_503()
    {
        var workload = Workloads.NewId("cold");
        await RegisterAsync(workload, Workloads.Sleeper(workload, min: 0, max: 1));

        var cold = await Api.ClaimOkAsync($"first-{workload}", workload);
        Assert.Equal(ClaimSource.Cold, cold.Source);
        var inspect = await berth.Docker.Containers.InspectContainerAsync(cold.ContainerId);
        Assert.Equal($"first-{workload}", inspect.Config.Labels["berth.tenant"]);

        using var refused = await Api.ClaimAsync($"second-{workload}", workload);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("max_size", await refused.Content.ReadAsStringAsync());
        Assert.Single(await berth.ListContainersAsync(workload));
        Assert.Empty((await Api.StatusAsync($"second-{workload}")).Claims);
    }

    [DockerFact]
    public async Task An_idle_member_killed_behind_berths_back_is_replaced()
    {
        var workload = Workloads.NewId("kill");
        await RegisterAsync(workload, Workloads.WebServer(workload, min: 2, max: 4, healthcheck: false));
        var before = await Api.WaitForIdleAsync(workload, 2);
        var victim = before.Members[0];

        await berth.Docker.Containers.KillContainerAsync(victim.ContainerId, new ContainerKillParameters());

        var after = await Eventually.Until(() => Api.PoolAsync(workload),
            p => p.Idle == 2 && p.Creating == 0 && p.Members.All(m => m.MemberId != victim.MemberId), "the killed member to be replaced");
        Assert.All(after.Members, m => Assert.NotEqual(victim.ContainerId, m.ContainerId));
        await Eventually.Until(async () => (await berth.ListContainersAsync(workload)).Select(c => c.ID).ToList(),
            ids => !ids.Contains(victim.ContainerId!) && ids.Count == 2, "the killed container to be removed from Docker");
        // The silo's log reaches the test through a pipe, a moment after the change it tells of.
        await Eventually.Until(() => berth.SiloOutput.Any(line => line.Contains(victim.MemberId) && line.Contains("replaced")), "the silo to log the replacement");
    }

    [DockerFact]
    public async Task A_labelled_container_created_behind_berths_back_is_removed()
    {
        var workload = Workloads.NewId("orphan");
        await RegisterAsync(workload, Workloads.Sleeper(workload, min: 1, max: 2));
        await Api.WaitForIdleAsync(workload, 1);

        var orphan = await berth.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = DockerRequirement.TestImage,
            Cmd = ["sleep", "3600"],
            Labels = new Dictionary<string, string>
            {
                ["berth.managed"] = "true",
                ["berth.cluster"] = berth.ClusterId,
                ["berth.host"] = "local",
                ["berth.workload"] = workload,
                ["berth.member"] = "planted-by-test",
            },
        });
        await berth.Docker.Containers.StartContainerAsync(orphan.ID, new ContainerStartParameters());

        await Eventually.Until(async () => (await berth.ListContainersAsync(workload)).Select(c => c.ID).ToList(),
            ids => !ids.Contains(orphan.ID), "the orphan to be removed");
        await Eventually.Until(() => berth.SiloOutput.Any(line => line.Contains(orphan.ID) && line.Contains("orphan")), "the silo to log the orphan's removal");
        var pool = await Api.WaitForIdleAsync(workload, 1);
        Assert.Single(pool.Members);
    }

    [DockerFact]
    public async Task A_claimed_container_removed_behind_berths_back_turns_the_claim_lost_and_the_next_claim_works()
    {
        var workload = Workloads.NewId("vanish");
        await RegisterAsync(workload, Workloads.Sleeper(workload, min: 1, max: 3));
        await Api.WaitForIdleAsync(workload, 1);
        var tenant = $"t-{workload}";
        var claim = await Api.ClaimOkAsync(tenant, workload);

        await berth.Docker.Containers.RemoveContainerAsync(claim.ContainerId, new ContainerRemoveParameters { Force = true });

        var status = await Eventually.Until(() => Api.StatusAsync(tenant), s => s.Claims[0].State == TenantClaimState.Lost, "the claim to turn Lost");
        Assert.Contains(claim.ContainerId!, status.Claims[0].Error);
        await Eventually.Until(() => berth.SiloOutput.Any(line => line.Contains(claim.ContainerId!) && line.Contains("lost")), "the silo to log the loss");

        var fresh = await Api.ClaimOkAsync(tenant, workload);
        Assert.Equal(TenantClaimState.Claimed, fresh.State);
        Assert.NotEqual(claim.ContainerId, fresh.ContainerId);
        Assert.True((await berth.Docker.Containers.InspectContainerAsync(fresh.ContainerId)).State.Running);
    }
}

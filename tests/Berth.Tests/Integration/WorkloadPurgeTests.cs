using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// <c>DELETE /workloads/{id}?purge=true</c> on the real engine with the filesystem sink: refused while
/// a tenant holds a container, forced through with <c>force=true</c> (the holder released), and then
/// every tenant's snapshots are gone from the sink, audited, and never restored into the workload
/// registered again under the same id.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class WorkloadPurgeTests(BerthClusterFixture berth)
{
    private sealed record DeletionJson(string Workload, bool Purged, int PurgedSnapshots, string[] PendingTenants, string[] ReleasedTenants);

    private string[] SnapshotFiles(string workload) =>
        [.. Directory.GetFiles(berth.Deployment.WorkDirectory, "*.tar", SearchOption.AllDirectories).Where(f => f.Contains($"/{workload}/", StringComparison.Ordinal))];

    private async Task RegisterAsync(string workload)
    {
        using var response = await berth.Api.PutWorkloadYamlAsync(workload, StateSyncTests.StatefulWorkload(workload, "filesystem"));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [DockerFact]
    public async Task Purge_is_refused_while_a_tenant_holds_a_container_and_forced_it_releases_it_and_deletes_every_snapshot()
    {
        var workload = Workloads.NewId("purge");
        await RegisterAsync(workload);
        var saver = $"t-save-{workload}";
        var holder = $"t-hold-{workload}";
        foreach (var tenant in new[] { saver, holder })
        {
            var claim = await berth.Api.ClaimOkAsync(tenant, workload);
            await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["mine.txt"] = Encoding.UTF8.GetBytes(tenant) });
            await berth.Api.ReleaseOkAsync(tenant, workload);
        }
        Assert.Equal(2, SnapshotFiles(workload).Length);
        var held = await berth.Api.ClaimOkAsync(holder, workload);

        using (var refused = await berth.Http.DeleteAsync($"/workloads/{workload}?purge=true"))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("force=true", await refused.Content.ReadAsStringAsync());
        }
        Assert.Equal(2, SnapshotFiles(workload).Length);

        using var forced = await berth.Http.DeleteAsync($"/workloads/{workload}?purge=true&force=true");
        var deletion = await BerthApi.ReadOkAsync<DeletionJson>(forced);
        Assert.True(deletion.Purged);
        Assert.Equal([holder], deletion.ReleasedTenants);
        Assert.Equal(2, deletion.PurgedSnapshots);
        Assert.Empty(deletion.PendingTenants);
        Assert.Empty(SnapshotFiles(workload));
        await Eventually.Until(async () => (await berth.ListContainersAsync(workload)).Count, n => n == 0, "the deleted workload's containers to go");
        Assert.False(await ExistsAsync(held.ContainerId!));

        // The audit log is written in batches: the delete shows up with its flags within moments.
        await Eventually.Until(() => berth.Http.GetStringAsync($"/audit?resource={Uri.EscapeDataString($"workload:{workload}")}"),
            text => text.Contains("?force=true&purge=true", StringComparison.Ordinal), "the forced purge to be audited with its flags");

        // The same id registered again starts from nothing: no old state is restored.
        await RegisterAsync(workload);
        var again = await berth.Api.ClaimOkAsync(saver, workload);
        Assert.Null(again.RestoredFrom);
        var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, again.ContainerId!, "ls", "/data");
        Assert.True(exit == 0, output);
        Assert.DoesNotContain("mine.txt", output);
        await berth.Api.ReleaseOkAsync(saver, workload);
        (await berth.Http.DeleteAsync($"/workloads/{workload}?purge=true")).EnsureSuccessStatusCode();
    }

    [DockerFact]
    public async Task A_plain_delete_keeps_snapshots_and_answers_no_content()
    {
        var workload = Workloads.NewId("keepsnap");
        await RegisterAsync(workload);
        var tenant = $"t-{workload}";
        await berth.Api.ClaimOkAsync(tenant, workload);
        await berth.Api.ReleaseOkAsync(tenant, workload);
        Assert.Single(SnapshotFiles(workload));

        using var deleted = await berth.Http.DeleteAsync($"/workloads/{workload}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Single(SnapshotFiles(workload));

        // Registered again, the tenant's state comes back: only purge deletes it.
        await RegisterAsync(workload);
        var again = await berth.Api.ClaimOkAsync(tenant, workload);
        Assert.NotNull(again.RestoredFrom);
        await berth.Api.ReleaseOkAsync(tenant, workload);
        using var purged = await berth.Http.DeleteAsync($"/workloads/{workload}?purge=true");
        var deletion = await BerthApi.ReadOkAsync<DeletionJson>(purged);
        Assert.Equal(2, deletion.PurgedSnapshots);
        Assert.Empty(SnapshotFiles(workload));
    }

    private async Task<bool> ExistsAsync(string containerId)
    {
        try
        {
            await berth.Docker.Containers.InspectContainerAsync(containerId);
            return true;
        }
        catch (Docker.DotNet.DockerContainerNotFoundException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Tenant state and secrets on the real engine: saved on release, restored into a fresh container on claim.</summary>
public sealed class StateSyncTests
{
    internal static string StatefulWorkload(string id, string sink, string extra = "") => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sleep", "3600"]
        user: "1000:1000"
        volumes:
          state:
            target: /data
          secrets:
            target: /run/secrets
        sync:
          sink: {sink}
          policy:
            manual: true
        {extra}
        pool:
          min_size: 1
          max_size: 4
        """;

    private static async Task<string> RegisterAsync(BerthDeployment berth, string prefix, string sink, string extra = "")
    {
        var id = Workloads.NewId(prefix);
        using var response = await berth.Api.PutWorkloadYamlAsync(id, StatefulWorkload(id, sink, extra));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await berth.Api.WaitForIdleAsync(id, 1);
        return id;
    }

    private static async Task RoundTripAsync(BerthDeployment berth, string sink)
    {
        var workload = await RegisterAsync(berth, $"rt-{sink[..2]}", sink);
        var tenant = $"t-{workload}";
        var first = await berth.Api.ClaimOkAsync(tenant, workload);
        var files = new Dictionary<string, byte[]>
        {
            ["notes.txt"] = Encoding.UTF8.GetBytes("remember me\n"),
            ["blob.bin"] = RandomNumberGenerator.GetBytes(256 * 1024),
        };
        await ContainerFiles.WriteAsync(berth.Docker, first.ContainerId!, "/data", files);

        var released = await berth.Api.ReleaseOkAsync(tenant);
        Assert.Equal(TenantClaimState.Released, released.State);
        Assert.NotNull(released.LastSnapshotAt);

        var second = await berth.Api.ClaimOkAsync(tenant, workload);
        Assert.NotEqual(first.ContainerId, second.ContainerId);
        foreach (var (name, content) in files)
        {
            Assert.Equal(content, await ContainerFiles.ReadAsync(berth.Docker, second.ContainerId!, $"/data/{name}"));
        }
        // The workload's own (non-root) user owns its restored state.
        var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, second.ContainerId!, "sh", "-c", "echo more >> /data/notes.txt && cat /data/notes.txt");
        Assert.True(exit == 0, output);
    }

    [DockerFact]
    public async Task State_round_trips_through_the_filesystem_sink()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        await RoundTripAsync(berth, "filesystem");
    }

    [PostgresDockerFact]
    public async Task State_round_trips_through_the_postgres_sink_across_silos()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 2);
        await berth.StartAsync();
        await RoundTripAsync(berth, "postgres");
        // The next claim is served whichever silo the tenant grain now lives on.
        await berth.StopSiloAsync(0);
        var workload = (await berth.Http.GetFromJsonAsync<List<WorkloadEntry>>("/workloads"))!.Single().Id;
        var again = await berth.Api.ReleaseOkAsync($"t-{workload}");
        Assert.Equal(TenantClaimState.Released, again.State);
        var claim = await berth.Api.ClaimOkAsync($"t-{workload}", workload);
        Assert.Equal("remember me\nmore\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, claim.ContainerId!, "/data/notes.txt")));
    }

    private sealed record WorkloadEntry(string Id);

    [S3DockerFact]
    public async Task State_round_trips_through_the_s3_sink()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Snapshots__S3__Bucket"] = $"berth-e2e-{Guid.NewGuid():N}"[..24],
            ["Berth__Snapshots__S3__ServiceUrl"] = S3Requirement.Endpoint,
            ["Berth__Snapshots__S3__ForcePathStyle"] = "true",
            ["Berth__Snapshots__S3__Region"] = "us-east-1",
            ["Berth__Snapshots__S3__AccessKey"] = S3Requirement.AccessKey,
            ["Berth__Snapshots__S3__SecretKey"] = S3Requirement.SecretKey,
        });
        await berth.StartAsync();
        await RoundTripAsync(berth, "s3");
    }

    [DockerFact]
    public async Task Secrets_are_readable_not_writable_and_absent_from_snapshots_logs_and_answers()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterAsync(berth, "secret", "filesystem");
        var tenant = $"t-{workload}";
        var value = "sk-" + Guid.NewGuid().ToString("N");
        using (var put = await berth.Http.PutAsync($"/tenants/{tenant}/secrets/api-key", new StringContent(value)))
        {
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        var claim = await berth.Api.ClaimOkAsync(tenant, workload);

        var read = await ContainerFiles.ExecAsync(berth.Docker, claim.ContainerId!, "cat", "/run/secrets/api-key");
        Assert.Equal((0L, value), read);
        var overwrite = await ContainerFiles.ExecAsync(berth.Docker, claim.ContainerId!, "sh", "-c", "echo stolen > /run/secrets/api-key");
        Assert.NotEqual(0L, overwrite.ExitCode);
        var create = await ContainerFiles.ExecAsync(berth.Docker, claim.ContainerId!, "touch", "/run/secrets/new");
        Assert.NotEqual(0L, create.ExitCode);
        Assert.Equal((0L, value), await ContainerFiles.ExecAsync(berth.Docker, claim.ContainerId!, "cat", "/run/secrets/api-key"));

        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["work"] = [1, 2, 3] });
        await berth.Api.ReleaseOkAsync(tenant);

        var snapshots = Directory.GetFiles(berth.WorkDirectory, "*.tar", SearchOption.AllDirectories);
        Assert.NotEmpty(snapshots);
        Assert.All(snapshots, path => Assert.DoesNotContain(value, Encoding.Latin1.GetString(File.ReadAllBytes(path))));
        Assert.DoesNotContain(berth.SiloOutput, line => line.Contains(value));
        var names = await berth.Http.GetStringAsync($"/tenants/{tenant}/secrets");
        Assert.Contains("api-key", names);
        Assert.DoesNotContain(value, names);
        Assert.DoesNotContain(value, await berth.Http.GetStringAsync($"/tenants/{tenant}/status"));
        Assert.DoesNotContain(value, await berth.Http.GetStringAsync($"/pools/{workload}"));
    }

    [DockerFact]
    public async Task A_malicious_snapshot_fails_the_claim_clearly_and_hands_out_nothing()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterAsync(berth, "evil", "filesystem");
        var tenant = $"t-{workload}";
        var first = await berth.Api.ClaimOkAsync(tenant, workload);
        await ContainerFiles.WriteAsync(berth.Docker, first.ContainerId!, "/data", new Dictionary<string, byte[]> { ["ok.txt"] = [1] });
        await berth.Api.ReleaseOkAsync(tenant);

        // Someone with access to the sink swaps the snapshot for one that escapes the state directory.
        var stored = Directory.GetFiles(berth.WorkDirectory, "*.tar", SearchOption.AllDirectories).Single();
        await using (var file = File.Create(stored))
        await using (var writer = new System.Formats.Tar.TarWriter(file, System.Formats.Tar.TarEntryFormat.Pax))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "../../etc/evil") { DataStream = new MemoryStream([1]) });
        }

        using var refused = await berth.Api.ClaimAsync(tenant, workload);
        var body = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("unsafe tar entry", body);
        var status = Assert.Single((await berth.Api.StatusAsync(tenant)).Claims);
        Assert.Equal(TenantClaimState.Failed, status.State);
        var pool = await Eventually.Until(() => berth.Api.PoolAsync(workload), p => p.Members.All(m => m.TenantId != tenant), "the prepared member to be given up");
        Assert.Equal(0, pool.Claimed);
    }

    [DockerFact]
    public async Task State_over_the_size_limit_refuses_the_release_with_a_clear_error()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterAsync(berth, "big", "filesystem", extra: "  max_size: 64k");
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["big.bin"] = new byte[200 * 1024] });

        using var refused = await berth.Api.ReleaseAsync(tenant);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("65536 bytes", await refused.Content.ReadAsStringAsync());
        var status = Assert.Single((await berth.Api.StatusAsync(tenant)).Claims);
        Assert.Equal(TenantClaimState.Claimed, status.State);
        Assert.True((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Running);
    }

    [DockerFact]
    public async Task A_silo_killed_during_a_release_loses_no_state()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterAsync(berth, "kill", "filesystem");
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        var blob = RandomNumberGenerator.GetBytes(24 * 1024 * 1024);
        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["blob.bin"] = blob });

        var release = berth.Api.ReleaseAsync(tenant);
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        berth.KillSilo(0);
        // Back at once: the gateway keeps retrying the interrupted release (up to its retry budget,
        // 3 min) while no silo answers, so waiting for its answer first would only wait that out.
        berth.StartSilo(0);
        try
        {
            (await release).Dispose();
        }
        catch (HttpRequestException)
        {
        }
        await berth.WaitUntilReadyAsync();
        // Whatever step the kill interrupted, the release converges and the next claim has the state.
        // (A release that had already completed answers "released" again: it is idempotent by workload.)
        await Eventually.Until(async () =>
        {
            using var again = await berth.Api.ReleaseAsync(tenant, workload);
            return again.StatusCode;
        }, code => code == HttpStatusCode.OK, "the release to complete after the restart");
        var next = await berth.Api.ClaimOkAsync(tenant, workload);
        Assert.Equal(blob, await ContainerFiles.ReadAsync(berth.Docker, next.ContainerId!, "/data/blob.bin"));
    }

    [DockerFact]
    public async Task A_manual_sync_takes_a_snapshot_while_the_container_keeps_running()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterAsync(berth, "manual", "filesystem");
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["a"] = [7] });

        var synced = await BerthApi.ReadOkAsync<TenantClaimView>(await berth.Http.PostAsync($"/tenants/{tenant}/sync", null));

        Assert.Equal(TenantClaimState.Claimed, synced.State);
        Assert.NotNull(synced.LastSnapshotAt);
        Assert.True((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Running);
    }

    [DockerFact]
    public async Task Mapped_paths_inside_the_state_volume_sync_by_direction_on_a_read_only_root()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var id = Workloads.NewId("mapped");
        using (var response = await berth.Api.PutWorkloadYamlAsync(id, $"""
            id: {id}
            image: {DockerRequirement.TestImage}
            command: ["sleep", "3600"]
            user: "1000:1000"
            read_only: true
            volumes:
              state:
                target: /data
            sync:
              sink: filesystem
              mappings:
                - path: profile
                - path: /out
                  direction: upload
                  mode: copy
                - path: settings.json
                  mode: copy
                - path: never.json
            pool:
              min_size: 1
              max_size: 3
            """))
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await berth.Api.WaitForIdleAsync(id, 1);
        var tenant = $"t-{id}";
        var first = await berth.Api.ClaimOkAsync(tenant, id);
        // The workload's own user writes, as a tenant's program would.
        var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, first.ContainerId!, "sh", "-c",
            "mkdir -p /data/profile/deep /data/out && echo profile > /data/profile/deep/p && echo report > /data/out/report && echo '{}' > /data/settings.json && echo lost > /data/unmapped");
        Assert.True(exit == 0, output);

        var released = await berth.Api.ReleaseOkAsync(tenant);
        Assert.True(released.LastSnapshotBytes > 0, "the snapshot holds the written files");
        var second = await berth.Api.ClaimOkAsync(tenant, id);

        Assert.NotEqual(first.ContainerId, second.ContainerId);
        Assert.Equal("profile\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, second.ContainerId!, "/data/profile/deep/p")));
        Assert.Equal("{}\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, second.ContainerId!, "/data/settings.json")));
        (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, second.ContainerId!, "sh", "-c",
            "test ! -e /data/out/report && test ! -e /data/unmapped && test ! -e /data/never.json && echo again >> /data/profile/deep/p && touch /data/profile/new && echo x > /data/settings.json");
        Assert.True(exit == 0, $"an upload-only, unmapped or never-created path is not restored, and the restored ones stay writable by the workload's user: {output}");

        // A single file in mode copy (merged with the previous part) is still restored as a file.
        await berth.Api.ReleaseOkAsync(tenant);
        var third = await berth.Api.ClaimOkAsync(tenant, id);
        Assert.Equal("x\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, third.ContainerId!, "/data/settings.json")));
    }

    [DockerFact]
    public async Task A_killed_containers_state_is_saved_before_the_next_claim_restores()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var id = Workloads.NewId("killed");
        using (var response = await berth.Api.PutWorkloadYamlAsync(id, $$"""
            id: {{id}}
            image: {{DockerRequirement.TestImage}}
            command: ["sleep", "3600"]
            user: "1000:1000"
            volumes:
              state:
                target: /data
            pool: {min_size: 1, max_size: 3}
            """))
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var tenant = $"t-{id}";
        var first = await berth.Api.ClaimOkAsync(tenant, id);
        Assert.Equal(0, (await ContainerFiles.ExecAsync(berth.Docker, first.ContainerId!, "sh", "-c", "echo v1 > /data/work")).ExitCode);
        await berth.Api.ReleaseOkAsync(tenant);
        var second = await berth.Api.ClaimOkAsync(tenant, id);
        Assert.Equal(0, (await ContainerFiles.ExecAsync(berth.Docker, second.ContainerId!, "sh", "-c", "echo v2 > /data/work")).ExitCode);

        await berth.Docker.Containers.KillContainerAsync(second.ContainerId!, new Docker.DotNet.Models.ContainerKillParameters());
        await Eventually.Until(() => berth.Api.StatusAsync(tenant), s => s.Claims[0].State == TenantClaimState.Lost, "the killed container's claim to turn lost");
        var third = await berth.Api.ClaimOkAsync(tenant, id);

        Assert.Equal("v2\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, third.ContainerId!, "/data/work")));
        Assert.Null(third.RestoredFrom!.Note);
        await berth.Api.ReleaseOkAsync(tenant);
    }

    [DockerFact]
    public async Task A_root_owned_state_directory_is_writable_by_the_default_user()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        foreach (var readOnly in new[] { true, false })
        {
            // /www is root-owned in the test image, and there is no user: the non-root default runs.
            var id = Workloads.NewId(readOnly ? "rootro" : "rootrw");
            using (var response = await berth.Api.PutWorkloadYamlAsync(id, $$"""
                id: {{id}}
                image: {{DockerRequirement.TestImage}}
                command: ["sleep", "3600"]
                read_only: {{(readOnly ? "true" : "false")}}
                volumes:
                  state: {target: /www}
                  secrets: {target: /run/secrets}
                pool: {min_size: 0, max_size: 2}
                """))
            {
                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            var tenant = $"t-{id}";
            using (var put = await berth.Http.PutAsync($"/tenants/{tenant}/secrets/token", new ByteArrayContent("s3cret"u8.ToArray())))
            {
                Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}");
            }
            var claim = await berth.Api.ClaimOkAsync(tenant, id);
            var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, claim.ContainerId!, "sh", "-c",
                "id -u && echo kept > /www/state.txt && mkdir /www/sub && cat /run/secrets/token && ! echo x > /run/secrets/token");
            Assert.True(exit == 0, $"read_only {readOnly}: the default user writes its state directory, and the secrets stay read-only: {output}");
            Assert.StartsWith("65534", output.Trim());
            await berth.Api.ReleaseOkAsync(tenant);
        }
        // The helper that changed the owner on the read-only root is gone with it.
        var left = await berth.Docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters { All = true });
        Assert.DoesNotContain(left, c => c.Labels.TryGetValue("berth.member", out var m) && m.EndsWith("-owner", StringComparison.Ordinal));
    }
}

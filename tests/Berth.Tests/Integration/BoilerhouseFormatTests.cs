using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Berth.Configuration;
using Berth.State;
using Berth.Tests.State;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// The Boilerhouse workload format over the API, on the real engine: its README's example as
/// written, a workload that brings its own S3 bucket and keys, and sinks refused at registration.
/// The cluster's own S3 settings name s3rver but hold wrong keys and no bucket, so that a snapshot
/// that reaches s3rver proves the workload's own keys were used.
/// </summary>
public sealed class BoilerhouseFormatTests(S3BucketsFixture s3) : IClassFixture<S3BucketsFixture>
{
    private static Dictionary<string, string> ClusterS3() => new()
    {
        ["Berth__Snapshots__S3__ServiceUrl"] = S3Requirement.Endpoint,
        ["Berth__Snapshots__S3__Region"] = "us-east-1",
        ["Berth__Snapshots__S3__AccessKey"] = "WRONG",
        ["Berth__Snapshots__S3__SecretKey"] = "WRONG",
        ["AWS_ACCESS_KEY_ID"] = "",
        ["AWS_SECRET_ACCESS_KEY"] = "",
    };

    [S3DockerFact]
    public async Task The_Boilerhouse_example_is_accepted_verbatim_and_reads_back_with_its_meaning()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: ClusterS3());
        await berth.StartAsync();
        var yaml = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "workloads", "examples", "my-worker.yaml"));

        using var put = await berth.Api.PutWorkloadYamlAsync("my-worker", yaml);
        var putBody = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.Created, $"{(int)put.StatusCode} {putBody}");
        try
        {
            var read = JsonDocument.Parse(await berth.Http.GetStringAsync("/workloads/my-worker")).RootElement;
            var spec = read.GetProperty("spec");
            Assert.Equal("My Worker", spec.GetProperty("name").GetString());
            Assert.Equal("/data", spec.GetProperty("volumes").GetProperty("stateTarget").GetString());
            Assert.Equal("/secrets", spec.GetProperty("volumes").GetProperty("secretsTarget").GetString());
            var healthcheck = spec.GetProperty("healthcheck");
            Assert.Equal("00:00:30", healthcheck.GetProperty("interval").GetString());
            Assert.Equal("00:00:05", healthcheck.GetProperty("timeout").GetString());
            Assert.Equal(3, healthcheck.GetProperty("retries").GetInt32());
            Assert.Equal("00:00:10", healthcheck.GetProperty("startPeriod").GetString());
            Assert.Equal(2.0, spec.GetProperty("limits").GetProperty("cpus").GetDouble());
            Assert.Equal(2L << 30, spec.GetProperty("limits").GetProperty("memoryBytes").GetInt64());
            Assert.Equal("1000", spec.GetProperty("user").GetString());
            Assert.Equal(20, spec.GetProperty("pool").GetProperty("maxSize").GetInt32());
            var sync = spec.GetProperty("sync");
            Assert.Equal("s3", sync.GetProperty("sink").GetString());
            Assert.Equal("my-bucket", sync.GetProperty("location").GetProperty("bucket").GetString());
            Assert.Equal("tenants/${tenantId}/", sync.GetProperty("location").GetProperty("prefix").GetString());
            Assert.Equal("/", sync.GetProperty("mappings")[0].GetProperty("path").GetString());
            Assert.True(sync.GetProperty("policy").GetProperty("manual").GetBoolean());
            Assert.Equal(0, read.GetProperty("warnings").GetArrayLength());

            // No idle member, and a fresh one cannot pass a 30 s healthcheck soon: 503 with Retry-After, never a refusal of the spec.
            using var claim = await berth.Api.ClaimAsync("boilerhouse-user", "my-worker");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, claim.StatusCode);
            Assert.True(claim.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(30), $"Retry-After {claim.Headers.RetryAfter}");
        }
        finally
        {
            using var delete = await berth.Http.DeleteAsync("/workloads/my-worker");
        }
    }

    [S3DockerFact]
    public async Task A_workload_with_its_own_bucket_and_keys_saves_there_and_never_shows_the_keys()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: ClusterS3());
        await berth.StartAsync();
        var id = Workloads.NewId("ownsink");
        var bucket = s3.NewBucketName("ownsink");
        using (var put = await berth.Api.PutWorkloadYamlAsync(id, $$"""
            id: {{id}}
            image: {{DockerRequirement.TestImage}}
            command: ["sleep", "3600"]
            volumes:
              state:
                target: /data
            pool: {min_size: 1, max_size: 2}
            sync:
              sink:
                type: s3
                bucket: {{bucket}}
                region: us-east-1
                endpoint: {{S3Requirement.Endpoint}}
                access_key_id: {{S3Requirement.AccessKey}}
                secret_access_key: {{S3Requirement.SecretKey}}
                prefix: tenants/${tenantId}/
                rclone_flags:
                  - "--s3-force-path-style"
                  - "--transfers=8"
            """))
        {
            var body = await put.Content.ReadAsStringAsync();
            Assert.True(put.StatusCode == HttpStatusCode.Created, $"{(int)put.StatusCode} {body}");
            Assert.Contains("\"--transfers\"", body); // the flag's name only: a value may hold anything
            Assert.DoesNotContain(S3Requirement.SecretKey, body);
        }
        var listed = await berth.Http.GetStringAsync("/workloads");
        Assert.DoesNotContain(S3Requirement.SecretKey, listed);
        Assert.Contains("\"hasCredentials\":true", listed);

        await berth.Api.WaitForIdleAsync(id, 1);
        var tenant = $"t-{id}";
        var first = await berth.Api.ClaimOkAsync(tenant, id);
        var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, first.ContainerId!, "sh", "-c", "echo kept-in-my-bucket > /data/note");
        Assert.True(exit == 0, output);
        await berth.Api.ReleaseOkAsync(tenant);

        var objects = await s3.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = $"tenants/{tenant}/{id}/" });
        Assert.NotEmpty(objects.S3Objects ?? []);
        var second = await berth.Api.ClaimOkAsync(tenant, id);
        Assert.Equal("kept-in-my-bucket\n", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(berth.Docker, second.ContainerId!, "/data/note")));
        Assert.Equal(second.LastSnapshotAt, second.RestoredFrom!.CreatedAt);
        await berth.Api.ReleaseOkAsync(tenant);

        // Syncing only a part of the state volume now would strand the tenant's snapshot of all of it.
        var narrowed = $"id: {id}\nimage: {DockerRequirement.TestImage}\ncommand: [\"sleep\", \"3600\"]\nvolumes: {{state: {{target: /data}}}}\npool: {{min_size: 0, max_size: 2}}\nsync:\n  sink: filesystem\n  mappings: [{{path: cache}}]\n";
        var conflict = await Eventually.Until(async () =>
        {
            using var put = await berth.Api.PutWorkloadYamlAsync(id, narrowed);
            return (put.StatusCode, Body: await put.Content.ReadAsStringAsync());
        }, r => r.StatusCode == HttpStatusCode.Conflict, "the narrowing update to be refused once the snapshot is reported");
        Assert.Equal("sync.mappings", JsonDocument.Parse(conflict.Body).RootElement.GetProperty("field").GetString());
        Assert.Contains("/data", conflict.Body);
        using var forced = await berth.Http.PutAsync($"/workloads/{id}?force=true", new StringContent(narrowed, Encoding.UTF8, "application/yaml"));
        Assert.True(forced.IsSuccessStatusCode, $"{(int)forced.StatusCode} {await forced.Content.ReadAsStringAsync()}");
    }

    [S3DockerFact]
    public async Task A_sink_that_cannot_work_is_refused_at_registration_naming_sync_sink()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: ClusterS3());
        await berth.StartAsync();
        var cases = new (string Sink, string Why)[]
        {
            ("s3", "needs a bucket"),
            ("postgres", "Database:Provider=Postgres"),
            // The cluster's keys are never sent to an endpoint a workload names.
            ("{type: s3, bucket: a-bucket, endpoint: \"http://127.0.0.1:1\"}", "bring its own keys"),
            ("{type: s3, bucket: a-bucket, prefix: \"shared/${tenantId}\", endpoint: \"http://127.0.0.1:1\", access_key_id: a, secret_access_key: b}", ""),
        };
        foreach (var (sink, why) in cases)
        {
            var id = Workloads.NewId("badsink");
            using var put = await berth.Api.PutWorkloadYamlAsync(id, $"id: {id}\nimage: {DockerRequirement.TestImage}\nvolumes: {{state: {{target: /data}}}}\npool: {{min_size: 0}}\nsync:\n  sink: {sink}\n");
            var body = await put.Content.ReadAsStringAsync();
            if (why.Length == 0)
            {
                // Registration checks the settings, not the network: a bucket and keys are enough.
                Assert.True(put.IsSuccessStatusCode, $"{sink}: {(int)put.StatusCode} {body}");
                continue;
            }
            Assert.True(put.StatusCode == HttpStatusCode.UnprocessableEntity, $"{sink}: {(int)put.StatusCode} {body}");
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("sync.sink", problem.GetProperty("field").GetString());
            Assert.Contains(why, problem.GetProperty("detail").GetString());
        }
    }
}

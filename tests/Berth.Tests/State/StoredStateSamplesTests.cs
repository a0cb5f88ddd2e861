using Berth.Contracts;
using Berth.Pools;
using Berth.Specs;
using Berth.Tenants;
using Berth.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace Berth.Tests.State;

/// <summary>
/// Stored tenant and pool state, checked in as the storage providers write it (the Orleans binary
/// format keyed by [Id] and [Alias]). A rename or renumbering that would strand the state of a
/// running cluster fails here. Regenerate only for a deliberate format change, never to make this
/// pass: <c>BERTH_WRITE_STATE_SAMPLES=1 dotnet test --filter StoredStateSamples</c>.
/// </summary>
public sealed class StoredStateSamplesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

    private static readonly IGrainStorageSerializer Storage = new OrleansGrainStorageSerializer(
        new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(TenantState).Assembly).AddAssembly(typeof(WorkloadSpec).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>());

    private static string SamplePath(string name) => Path.Combine(RepositoryPaths.Root, "tests", "Berth.Tests", "State", "Samples", name);

    private static WorkloadSpec Spec() => WorkloadSpecParser.ParseYaml("""
        id: sample
        image: berth-busybox:test
        command: ["sleep", "3600"]
        environment: {A: "1"}
        ports: [{container: 8080}]
        healthcheck: {test: ["CMD", "true"], interval: 30s, timeout: 5s, retries: 3, start_period: 10s}
        volumes: {state: {target: /data}, secrets: {target: /secrets}}
        pool: {min_size: 2, max_size: 20, idle_timeout: 10m}
        sync:
          sink: {type: s3, bucket: my-bucket, region: us-east-1, prefix: "tenants/${tenantId}/"}
          mappings: [{path: /, direction: bidirectional, mode: sync}]
          policy: {manual: true}
        """);

    private static TenantState Tenant()
    {
        var spec = Spec();
        var part = new SnapshotPart("/data", "s3", "snap-0", new SnapshotDigest("ab12", 2048, 100, 3), spec.Sync!.Location);
        var record = new TenantClaimRecord
        {
            Workload = "sample",
            State = TenantClaimState.Claimed,
            MemberId = "member-1",
            Container = new RunningContainer("c0ffee", "local", [new ContainerEndpoint(8080, "tcp", "127.0.0.1", 32768)], At),
            Source = ClaimSource.Warm,
            ClaimedAt = At,
            StateSince = At,
            Sync = StateSync.From(spec),
            SecretsTarget = "/secrets",
            ReleaseOperations = ["op-1"],
            ClaimOperation = "op-2",
            RestoredFrom = new RestoredSnapshot("snap", At, null),
        };
        var state = new TenantState();
        state.Claims["sample"] = record;
        state.Snapshots["sample"] = [new SnapshotRecord("snap", "s3", part.Digest, At, [part])];
        state.Secrets["token"] = [1, 2, 3];
        return state;
    }

    private static PoolState Pool()
    {
        var state = new PoolState { Spec = Spec(), Version = "0123456789ab" };
        state.Members["member-1"] = new PoolMember
        {
            MemberId = "member-1",
            HostId = "local",
            SpecVersion = "0123456789ab",
            State = PoolMemberState.Claimed,
            ContainerId = "c0ffee",
            TenantId = "alice",
            Endpoints = [new ContainerEndpoint(8080, "tcp", "127.0.0.1", 32768)],
            CreatedAt = At,
            StateSince = At,
            Source = ClaimSource.Warm,
            StartedAt = At,
        };
        return state;
    }

    private static T ReadSample<T>(string name, T current)
    {
        var path = SamplePath(name);
        if (Environment.GetEnvironmentVariable("BERTH_WRITE_STATE_SAMPLES") == "1")
        {
            File.WriteAllBytes(path, Storage.Serialize(current).ToArray());
        }
        Assert.True(File.Exists(path), $"{path} is missing: it is checked in (see this class's summary)");
        return Storage.Deserialize<T>(BinaryData.FromBytes(File.ReadAllBytes(path)))!;
    }

    [Fact]
    public void The_stored_tenant_state_sample_still_reads()
    {
        var state = ReadSample("tenant-state.bin", Tenant());

        var record = state.Claims["sample"];
        Assert.Equal(TenantClaimState.Claimed, record.State);
        Assert.Equal("c0ffee", record.Container!.ContainerId);
        Assert.Equal(32768, record.Container.Endpoints[0].HostPort);
        Assert.Equal(ClaimSource.Warm, record.Source);
        Assert.Equal(At, record.ClaimedAt);
        Assert.Equal("/data", record.Sync!.AllPaths.Single().Path);
        Assert.Equal("/data", record.Sync.AllPaths.Single().VolumeRoot);
        Assert.Equal("my-bucket", record.Sync.Location!.Bucket);
        Assert.Equal(["op-1"], record.ReleaseOperations);
        Assert.Equal("snap", record.RestoredFrom!.SnapshotId);
        var snapshot = Assert.Single(state.Snapshots["sample"]);
        Assert.Equal(100, snapshot.Digest.ContentBytes);
        Assert.Equal("snap-0", snapshot.Parts![0].ObjectId);
        Assert.Equal([1, 2, 3], state.Secrets["token"]);
    }

    [Fact]
    public void The_stored_pool_state_sample_still_reads()
    {
        var state = ReadSample("pool-state.bin", Pool());

        Assert.Equal("0123456789ab", state.Version);
        Assert.Equal(TimeSpan.FromSeconds(30), state.Spec!.Healthcheck!.Interval);
        Assert.Equal(20, state.Spec.Pool.MaxSize);
        Assert.Equal(SyncMapping.WholeVolume, state.Spec.Sync!.Mappings[0].Path);
        Assert.Equal("tenants/${tenantId}/", state.Spec.Sync.Location!.Prefix);
        var member = state.Members["member-1"];
        Assert.Equal(PoolMemberState.Claimed, member.State);
        Assert.Equal("alice", member.TenantId);
        Assert.Equal(At, member.StartedAt);
    }
}

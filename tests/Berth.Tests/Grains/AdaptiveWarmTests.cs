using Berth.Contracts;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>A steady stream of claims grows the warm pool above min_size, within max_warm (the sizing itself: WarmTargetTests).</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class AdaptiveWarmTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    [Fact]
    public async Task A_steady_stream_of_claims_keeps_more_than_min_size_warm_and_no_more_than_max_warm()
    {
        var workload = $"stream-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {workload}\nimage: {InMemoryClusterFixture.Image}\npool:\n  min_size: 1\n  max_size: 200\n  max_warm: 12\n"));
        var pool = _client.GetGrain<IWorkloadPoolGrain>(workload);
        await Eventually.Until(() => pool.GetView(), p => p.Idle == 1, "the pool to fill");
        Assert.Equal(1, (await pool.GetView()).WarmTarget);

        Runtime.CreateDelay = TimeSpan.FromMilliseconds(300); // members take a while to make, as with Docker
        try
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            var largest = 0;
            async Task Stream(int lane)
            {
                for (var i = 0; DateTime.UtcNow < until; i++)
                {
                    var tenant = _client.GetGrain<ITenantGrain>($"s{lane}-{i}-{workload}");
                    await tenant.Claim(workload, null);
                    await tenant.Release(workload, null);
                }
            }
            var streams = Task.WhenAll(Enumerable.Range(0, 6).Select(Stream));
            while (!streams.IsCompleted)
            {
                var view = await pool.GetView();
                largest = Math.Max(largest, view.WarmTarget);
                Assert.InRange(view.Idle + view.Creating - view.Members.Count(m => m.TenantId is not null && m.State == PoolMemberState.Creating), 0, 12 + 6);
                await Task.Delay(100);
            }
            await streams;

            var after = await pool.GetView();
            Assert.True(after.ClaimsPerSecond > 1, $"observed {after.ClaimsPerSecond} claims/s");
            Assert.InRange(largest, 2, 12);
        }
        finally
        {
            Runtime.CreateDelay = TimeSpan.Zero;
        }
    }
}

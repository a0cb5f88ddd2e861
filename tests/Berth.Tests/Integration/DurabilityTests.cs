using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Berth.Tests.Integration;

/// <summary>
/// Restarts and failover, each on a deployment of its own: every claim survives, and afterwards
/// Docker and the database agree with what tenants were told.
/// </summary>
public sealed class DurabilityTests(ITestOutputHelper output)
{
    private static async Task<string> RegisterSleeperAsync(BerthDeployment berth, string prefix, int min, int max)
    {
        var workload = Workloads.NewId(prefix);
        using var response = await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, min, max));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        await berth.Api.WaitForIdleAsync(workload, min);
        return workload;
    }

    /// <summary>After a restart: the same claims, the pool back at min_size, nothing twice in Docker.</summary>
    private static async Task AssertSurvivedRestartAsync(BerthDeployment berth, string workload, IReadOnlyList<TenantClaimView> claims, int min)
    {
        foreach (var claim in claims)
        {
            var status = await berth.Api.StatusAsync(claim.TenantId);
            var now = Assert.Single(status.Claims);
            Assert.Equal(TenantClaimState.Claimed, now.State);
            Assert.Equal(claim.ContainerId, now.ContainerId);
            Assert.True((await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId)).State.Running);
            var again = await berth.Api.ClaimOkAsync(claim.TenantId, workload);
            Assert.Equal(claim.ContainerId, again.ContainerId);
        }
        var pool = await berth.Api.WaitForIdleAsync(workload, min);
        Assert.Equal(claims.Count, pool.Claimed);
        // Settled: Docker runs exactly the pool's members, no duplicate from the restart.
        await Eventually.Until(async () => (await berth.ListContainersAsync(workload)).Count,
            n => n == claims.Count + min, $"Docker to run exactly {claims.Count} claimed + {min} idle containers");
        // A restarted pool stored only its counts; it lists the claims once a host report showed
        // their containers and their owner records vouched for them.
        // Both sides are read on every try: an idle member may still be replaced meanwhile (a create the
        // stopped silo left unrecorded is an orphan until its grace period ends), and both must follow.
        await Eventually.Until(async () => new
            {
                Pool = (await berth.Api.PoolAsync(workload)).Members.Select(m => m.ContainerId!).Order().ToArray(),
                Docker = (await berth.ListContainersAsync(workload)).Select(c => c.ID).Order().ToArray(),
            },
            seen => seen.Pool.SequenceEqual(seen.Docker) && seen.Docker.Length == claims.Count + min,
            "the pool to list exactly what Docker runs");
    }

    [DockerFact]
    public async Task Every_claim_survives_a_silo_restart_on_the_sqlite_default()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = await RegisterSleeperAsync(berth, "restart", min: 2, max: 10);
        var claims = new List<TenantClaimView>();
        for (var i = 0; i < 3; i++) claims.Add(await berth.Api.ClaimOkAsync($"t{i}-{workload}", workload));

        await berth.StopSiloAsync(0);
        berth.StartSilo(0);
        await berth.WaitUntilReadyAsync();

        await AssertSurvivedRestartAsync(berth, workload, claims, min: 2);
    }

    [PostgresDockerFact]
    public async Task Every_claim_survives_stopping_and_starting_every_silo_on_postgres()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 2);
        await berth.StartAsync();
        var workload = await RegisterSleeperAsync(berth, "pgrestart", min: 2, max: 10);
        var claims = new List<TenantClaimView>();
        for (var i = 0; i < 4; i++) claims.Add(await berth.Api.ClaimOkAsync($"t{i}-{workload}", workload));

        await Task.WhenAll(berth.StopSiloAsync(0), berth.StopSiloAsync(1));
        berth.StartSilo(0);
        berth.StartSilo(1);
        await berth.WaitUntilReadyAsync();

        await AssertSurvivedRestartAsync(berth, workload, claims, min: 2);
    }

    [PostgresDockerFact]
    public async Task Killing_a_silo_during_a_claim_and_release_storm_loses_nothing()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 3);
        await berth.StartAsync();
        var workload = await RegisterSleeperAsync(berth, "storm", min: 8, max: 120);

        var granted = new ConcurrentBag<(string Tenant, string ContainerId)>();
        var refusals = new ConcurrentBag<string>();
        var latencies = new ConcurrentBag<(DateTime At, double Ms, bool Ok)>();
        var killedAt = DateTime.MaxValue;
        var tenants = Enumerable.Range(0, 24).Select(i => $"s{i:00}-{workload}").ToArray();

        async Task TenantLoop(string tenant)
        {
            for (var round = 0; round < 5; round++)
            {
                var watch = Stopwatch.StartNew();
                using var claim = await berth.Api.ClaimAsync(tenant, workload);
                latencies.Add((DateTime.UtcNow, watch.Elapsed.TotalMilliseconds, claim.IsSuccessStatusCode));
                if (claim.StatusCode == HttpStatusCode.OK)
                {
                    var view = await BerthApi.ReadOkAsync<TenantClaimView>(claim);
                    granted.Add((tenant, view.ContainerId!));
                }
                else
                {
                    // Anything else must be a retryable refusal, never a 500 or a hang.
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, claim.StatusCode);
                    Assert.NotNull(claim.Headers.RetryAfter);
                    refusals.Add(await claim.Content.ReadAsStringAsync());
                    continue;
                }
                await Task.Delay(Random.Shared.Next(50, 300));
                if (round < 4)
                {
                    using var release = await berth.Api.ReleaseAsync(tenant, workload);
                    if (release.StatusCode != HttpStatusCode.OK)
                    {
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, release.StatusCode);
                        refusals.Add(await release.Content.ReadAsStringAsync());
                    }
                }
            }
        }

        var storm = Task.WhenAll(tenants.Select(TenantLoop));
        await Task.Delay(TimeSpan.FromSeconds(2));
        killedAt = DateTime.UtcNow;
        berth.KillSilo(1);
        await storm;

        // What the client saw: no container was ever granted to two tenants.
        var owners = granted.GroupBy(g => g.ContainerId).ToDictionary(g => g.Key, g => g.Select(x => x.Tenant).Distinct().ToList());
        Assert.All(owners, o => Assert.True(o.Value.Count == 1, $"container {o.Key} was granted to {string.Join(", ", o.Value)}"));
        Assert.NotEmpty(granted);

        // Every tenant ends with at most one container, and a claimed one runs and is its own.
        // A release the kill interrupted finishes on its retry (seconds), never left half-way.
        var statuses = await Eventually.Until(() => Task.WhenAll(tenants.Select(berth.Api.StatusAsync)),
            all => all.All(s => s.Claims.All(c => c.State is not (TenantClaimState.Claiming or TenantClaimState.Releasing or TenantClaimState.Saving))),
            "interrupted claims and releases to finish");
        var held = new Dictionary<string, string>();
        foreach (var status in statuses)
        {
            var claim = Assert.Single(status.Claims);
            if (claim.State == TenantClaimState.Claimed)
            {
                var inspect = await berth.Docker.Containers.InspectContainerAsync(claim.ContainerId);
                Assert.True(inspect.State.Running, $"{status.TenantId}'s container {claim.ContainerId} is {inspect.State.Status}");
                Assert.Equal(workload, inspect.Config.Labels["berth.workload"]);
                Assert.True(held.TryAdd(claim.ContainerId!, status.TenantId), $"{claim.ContainerId} is held twice");
            }
            else
            {
                // A claim interrupted by the kill is failed visibly, never stuck in Claiming/Releasing.
                Assert.Contains(claim.State, new[] { TenantClaimState.Released, TenantClaimState.Failed });
            }
        }

        // Docker and the pool converge: every Berth container belongs to a pool member, and each
        // held container is the member of exactly the tenant that holds it.
        // Claimed is a stored count; the members' owners are learned again from host reports after the kill.
        var pool = await Eventually.Until(() => berth.Api.PoolAsync(workload),
            p => p.Creating == 0 && p.Destroying == 0 && p.Claimed == held.Count
                && held.All(h => p.Members.Any(m => m.ContainerId == h.Key && m.TenantId is not null)),
            "the pool to settle and list every held container with an owner");
        Assert.All(held, h => Assert.Equal(h.Value, pool.Members.Single(m => m.ContainerId == h.Key).TenantId));
        await Eventually.Until(async () =>
        {
            var docker = (await berth.ListContainersAsync(workload)).Select(c => c.ID).ToHashSet();
            var members = (await berth.Api.PoolAsync(workload)).Members.Select(m => m.ContainerId ?? "").ToHashSet();
            return docker.SetEquals(members);
        }, same => same, "Docker to run exactly the pool's members (no leak, no duplicate)");

        // The database agrees: the killed silo is declared dead, the others are active.
        await Eventually.Until(async () => await MembershipStatusesAsync(berth), s => s.Count(x => x == 6) == 1 && s.Count(x => x == 3) == 2,
            "the membership table to show one dead and two active silos", TimeSpan.FromSeconds(90));

        var before = latencies.Where(l => l.At < killedAt).ToList();
        var after = latencies.Where(l => l.At >= killedAt).ToList();
        output.WriteLine($"grants {granted.Count}, refusals {refusals.Count}");
        output.WriteLine($"before the kill: {before.Count} claims, p50 {Percentile(before.Select(l => l.Ms), 0.5):0} ms, slowest {before.Select(l => l.Ms).DefaultIfEmpty().Max():0} ms");
        output.WriteLine($"after the kill: {after.Count} claims, p50 {Percentile(after.Select(l => l.Ms), 0.5):0} ms, slowest {after.Select(l => l.Ms).DefaultIfEmpty().Max():0} ms");
        var firstAfter = after.Where(l => l.Ok).OrderBy(l => l.At).FirstOrDefault();
        output.WriteLine($"first successful claim completed {(firstAfter.At - killedAt).TotalMilliseconds:0} ms after the kill");
        foreach (var refusal in refusals.Take(5)) output.WriteLine($"refusal: {refusal}");
    }

    [PostgresDockerFact]
    public async Task A_gracefully_stopped_silo_hands_its_grains_over_without_a_failed_request()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 2);
        await berth.StartAsync();
        var workload = await RegisterSleeperAsync(berth, "graceful", min: 4, max: 60);
        var tenants = Enumerable.Range(0, 12).Select(i => $"g{i:00}-{workload}").ToArray();
        await Task.WhenAll(tenants.Select(t => berth.Api.ClaimOkAsync(t, workload)));

        var failures = new ConcurrentBag<string>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        async Task Reader(string tenant)
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await berth.Api.ClaimAsync(tenant, workload);
                Interlocked.Increment(ref requests);
                if (response.StatusCode != HttpStatusCode.OK) failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                await Task.Delay(50);
            }
        }
        var readers = Task.WhenAll(tenants.Select(Reader));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await berth.StopSiloAsync(0);
        await Task.Delay(TimeSpan.FromSeconds(3));
        stop.Cancel();
        await readers;

        output.WriteLine($"{requests} requests across the graceful stop");
        Assert.Empty(failures);
        Assert.True(requests > tenants.Length);
    }

    private static async Task<List<int>> MembershipStatusesAsync(BerthDeployment berth)
    {
        await using var connection = new NpgsqlConnection(berth.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster", connection);
        command.Parameters.AddWithValue("cluster", berth.ClusterId);
        var result = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) result.Add(reader.GetInt32(0));
        return result;
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];
    }
}

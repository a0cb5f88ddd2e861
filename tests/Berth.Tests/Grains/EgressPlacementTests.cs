using Berth.Errors;
using Berth.Grains;
using Berth.Network;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>
/// With Berth:Security:RequireEgressPolicy (the fixture's setting, as in production), a host whose
/// firewall Berth cannot manage gets no tenant container, and says why.
/// </summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class EgressPlacementTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private IAgentHostGrain Host => _client.GetGrain<IAgentHostGrain>(InMemoryClusterFixture.HostId);

    private async Task<string> RegisterAsync(string egress)
    {
        var id = $"egress-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\nnetwork:\n  egress: {egress}\npool:\n  min_size: 0\n  max_size: 2\n"));
        return id;
    }

    private int ContainersOf(string workload) =>
        fixture.Runtime.Containers.Count(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload) == workload);

    [Fact]
    public async Task An_unmanaged_host_gets_no_tenant_container_and_says_why_until_it_is_managed_again()
    {
        var workload = await RegisterAsync("none");
        try
        {
            fixture.Firewall.UnmanagedBecause = "iptables-save failed: Permission denied (test)";
            var view = await Eventually.Until(() => Host.GetView(), v => v.Egress == "unmanaged", "the host to report egress unmanaged");
            Assert.False(view.Healthy);
            Assert.Contains("Permission denied (test)", view.EgressProblem);

            var refused = await Assert.ThrowsAsync<BerthException>(() => _client.GetGrain<ITenantGrain>($"t-{workload}").Claim(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.Contains("egress policy", refused.Message);
            Assert.Equal(0, ContainersOf(workload));
        }
        finally
        {
            fixture.Firewall.UnmanagedBecause = null;
        }
        await Eventually.Until(() => Host.GetView(), v => v.Egress == "managed" && v.Healthy, "the host to be managed again");
        var claim = await _client.GetGrain<ITenantGrain>($"t-{workload}").Claim(workload, null);
        Assert.Equal(1, ContainersOf(workload));

        // The container's network is its policy's, and the firewall was given that network first.
        var container = fixture.Runtime.Containers.Single(c => c.Id == claim.ContainerId);
        Assert.Equal("berth-tenants-none", container.Spec.NetworkMode);
        Assert.Contains(fixture.Firewall.Enforced.Values.SelectMany(n => n), n => n.Name == "berth-tenants-none" && n.Policy.Mode == EgressMode.None);
        await _client.GetGrain<ITenantGrain>($"t-{workload}").Release(workload, null);
    }
}

using Berth.Contracts;
using Berth.Hosts;
using Berth.Specs;

namespace Berth.Tests.Hosts;

/// <summary>What applying a host stack does to each service, decided from the labels of what runs.</summary>
public sealed class HostStackPlanTests
{
    private static HostStackService Service(string name, string image = "a:1", Dictionary<string, string>? env = null, params string[] dependsOn) => new()
    {
        Name = name,
        Image = image,
        Environment = env ?? [],
        DependsOn = [.. dependsOn.Select(d => new ServiceDependency(d, false))],
    };

    private static HostStackDesired Desired(HostStackService service, Dictionary<string, string>? secrets = null) =>
        HostStackDesired.Of(service, secrets ?? []);

    /// <summary>What a container created from <paramref name="desired"/> reads back as.</summary>
    private static HostStackRunning Running(HostStackDesired desired) =>
        new(desired.Service.Name, "id-" + desired.Service.Name, desired.Definition, desired.Secrets, desired.Hash, "running");

    private static HostStackChange Of(IReadOnlyList<HostStackChange> plan, string service) => plan.Single(c => c.Service == service);

    [Fact]
    public void Missing_services_are_created_gone_ones_removed_and_the_same_file_changes_nothing()
    {
        var web = Desired(Service("web"));
        var db = Desired(Service("db"));
        var old = Running(Desired(Service("old")));

        var first = HostStackPlan.Compute([web, db], []);
        Assert.All(first, c => Assert.Equal(HostStackPlan.Create, c.Action));

        var plan = HostStackPlan.Compute([web, db], [Running(web), old]);
        Assert.Equal(HostStackPlan.Remove, Of(plan, "old").Action);
        Assert.Equal(HostStackPlan.Unchanged, Of(plan, "web").Action);
        Assert.Equal(HostStackPlan.Create, Of(plan, "db").Action);
        Assert.All(HostStackPlan.Compute([web, db], [Running(web), Running(db)]), c => Assert.Equal(HostStackPlan.Unchanged, c.Action));
        // Removals come first: they may free a host port another service now publishes.
        Assert.Equal("old", plan[0].Service);
    }

    [Fact]
    public void A_changed_service_is_updated_with_the_fields_that_changed()
    {
        var before = Desired(Service("web", env: new() { ["MODE"] = "dev", ["KEEP"] = "1" }));
        var after = Desired(Service("web", image: "a:2", env: new() { ["MODE"] = "prod", ["KEEP"] = "1", ["NEW"] = "x" }));

        var change = Of(HostStackPlan.Compute([after], [Running(before)]), "web");

        Assert.Equal(HostStackPlan.Update, change.Action);
        Assert.Equal(["environment.MODE", "environment.NEW", "image"], change.Fields);
    }

    [Fact]
    public void A_changed_secret_value_is_an_update_that_names_the_secret_and_never_holds_its_value()
    {
        var service = Service("web", env: new() { ["PASSWORD"] = "${secret:db-password}" });
        var before = Desired(service, new() { ["db-password"] = "fingerprint-1" });
        var after = Desired(service, new() { ["db-password"] = "fingerprint-2" });

        Assert.Equal(before.Definition, after.Definition);
        Assert.NotEqual(before.Hash, after.Hash);
        var change = Of(HostStackPlan.Compute([after], [Running(before)]), "web");
        Assert.Equal(HostStackPlan.Update, change.Action);
        Assert.Equal(["secret:db-password"], change.Fields);
        Assert.Contains("${secret:db-password}", after.Definition);

        Assert.Equal(HostStackPlan.Unchanged, Of(HostStackPlan.Compute([after], [Running(after)]), "web").Action);
    }

    [Fact]
    public void Services_start_after_what_they_depend_on()
    {
        var web = Desired(Service("web", dependsOn: ["api"]));
        var api = Desired(Service("api", dependsOn: ["db"]));
        var db = Desired(Service("db"));

        var plan = HostStackPlan.Compute([web, api, db], []);

        Assert.Equal(["db", "api", "web"], plan.Select(c => c.Service));
    }

    [Fact]
    public void A_container_without_a_readable_definition_is_recreated()
    {
        var web = Desired(Service("web"));
        var change = Of(HostStackPlan.Compute([web], [new HostStackRunning("web", "c1", null, null, null, "running")]), "web");
        Assert.Equal(HostStackPlan.Update, change.Action);
        Assert.Equal(["definition"], change.Fields);
    }
}

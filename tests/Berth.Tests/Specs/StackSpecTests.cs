using Berth.Specs;
using Berth.Tenants;

namespace Berth.Tests.Specs;

/// <summary><c>services:</c>: what a stack spec means, and every bad stack refused with its field.</summary>
public sealed class StackSpecTests
{
    private const string Stack = """
        id: shop
        services:
          web:
            image: web:1
            ports: [8080]
            depends_on:
              db: {condition: service_healthy}
              cache: {condition: service_started}
            volumes:
              state: {target: /srv}
          db:
            image: db:1
            ports: [5432]
            healthcheck: {test: ["CMD", "true"], interval: 1s}
            volumes:
              state: {target: /var/db}
              secrets: {target: /run/secrets}
          cache:
            image: cache:1
        pool: {min_size: 2, max_size: 4}
        """;

    [Fact]
    public void The_first_service_is_the_primary_and_services_start_after_what_they_depend_on()
    {
        var spec = WorkloadSpecParser.ParseYaml(Stack);

        Assert.True(spec.IsStack);
        Assert.Equal(["web", "db", "cache"], spec.Services!.Select(s => s.Name));
        // The top-level container fields mirror the primary.
        Assert.Equal("web:1", spec.Image);
        Assert.Equal(8080, Assert.Single(spec.Ports).ContainerPort);
        Assert.Equal("/srv", spec.Volumes.StateTarget);
        Assert.Equal(["db", "cache", "web"], spec.StartOrder().Select(s => s.Name));
        Assert.Equal([new ServiceDependency("db", true), new ServiceDependency("cache", false)], spec.Services![0].DependsOn);
    }

    [Fact]
    public void Each_services_state_volume_is_synced_and_named_by_its_service_when_not_the_primary()
    {
        var paths = StateSync.SyncedPaths(WorkloadSpecParser.ParseYaml(Stack));

        Assert.Equal(["/srv", "db:/var/db"], paths.Select(p => p.Key));
        Assert.Equal([null, "db"], paths.Select(p => p.Service));

        var mapped = WorkloadSpecParser.ParseYaml(Stack + "\nsync:\n  mappings:\n    - {path: tables, service: db}\n    - {path: uploads}\n");
        Assert.Equal(["db:/var/db/tables", "/srv/uploads"], StateSync.SyncedPaths(mapped).Select(p => p.Key));
    }

    [Fact]
    public void A_one_container_spec_keeps_its_version_hash()
    {
        // Services are left out of the hash when absent: upgrading Berth does not roll every pool.
        var spec = WorkloadSpecParser.ParseYaml("id: w\nimage: i\n");
        Assert.Null(spec.Services);
        Assert.DoesNotContain("Services", System.Text.Json.JsonSerializer.Serialize(spec with { Pool = new PoolSpec(), Name = null }));
        Assert.NotEqual(WorkloadSpecVersion.Compute(WorkloadSpecParser.ParseYaml(Stack)),
            WorkloadSpecVersion.Compute(WorkloadSpecParser.ParseYaml(Stack.Replace("cache:1", "cache:2"))));
    }

    private const string Two = "id: w\nservices:\n  a:\n    image: i\n    ports: [80]\n  b:\n    image: i\n";

    [Theory]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: [b]\n  b:\n    image: i\n    depends_on: [a]\n", "services.a.depends_on", "cycle: a → b → a")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: [b]\n  b:\n    image: i\n    depends_on: [c]\n  c:\n    image: i\n    depends_on: [a]\n", "services.a.depends_on", "cycle")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: [a]\n", "services.a.depends_on.a", "itself")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: [nope]\n", "services.a.depends_on.nope", "unknown service 'nope'")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: {b: {condition: service_healthy}}\n  b:\n    image: i\n", "services.a.depends_on.b.condition", "needs a healthcheck")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    depends_on: {b: {condition: service_done}}\n  b:\n    image: i\n", "services.a.depends_on.b.condition", "service_started or service_healthy")]
    [InlineData(Two + "    ports: [80]\n", "services.b.ports[0]", "already a port of service 'a'")]
    [InlineData("id: w\nservices:\n  Bad_Name:\n    image: i\n", "services.Bad_Name", "not a valid service name")]
    [InlineData("id: w\nservices:\n  a:\n    command: [sh]\n", "services.a.image", "is required")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    privileged: true\n", "services.a.privileged", "unknown field")]
    [InlineData("id: w\nservices: {}\n", "services", "mapping of service names")]
    [InlineData("id: w\nimage: i\nservices:\n  a:\n    image: i\n", "image", "per service")]
    [InlineData(Two + "ports: [81]\n", "ports", "per service")]
    [InlineData(Two + "network_mode: none\n", "network_mode", "must be bridge")]
    [InlineData(Two + "sync:\n  sink: filesystem\n", "sync", "needs a service with volumes.state.target")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    volumes: {state: {target: /d}}\nsync:\n  mappings: [{path: x, service: b}]\n", "sync.mappings[0].service", "unknown service 'b'")]
    [InlineData("id: w\nimage: i\nvolumes: {state: {target: /d}}\nsync:\n  mappings: [{path: x, service: b}]\n", "sync.mappings[0].service", "has none")]
    [InlineData("id: w\nservices:\n  a:\n    image: i\n    volumes: {state: {target: /d}, secrets: {target: /d/s}}\n", "services.a.volumes.secrets.target", "outside")]
    public void Bad_stacks_name_the_field(string yaml, string path, string message)
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(yaml));

        Assert.Contains(ex.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }
}

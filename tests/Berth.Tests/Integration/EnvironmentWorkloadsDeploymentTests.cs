using System.Net;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// Workloads declared in the silo's environment are registered at start, warm their pools, and are
/// applied again unchanged after a restart; a bad entry is logged with its variable and skipped.
/// </summary>
public sealed class EnvironmentWorkloadsDeploymentTests
{
    private static async Task<(HttpStatusCode Status, string? Version, int? MinSize)> ReadAsync(BerthDeployment berth, string id)
    {
        using var response = await berth.Http.GetAsync($"/workloads/{id}");
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, null, null);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.GetProperty("version").GetString(),
            doc.RootElement.GetProperty("spec").GetProperty("pool").GetProperty("minSize").GetInt32());
    }

    [DockerFact]
    public async Task Declared_workloads_are_registered_at_every_start_and_bad_ones_skipped()
    {
        var workload = Workloads.NewId("envwl");
        var suffix = workload.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["BERTH_WORKLOADS"] = $"{DockerRequirement.TestImage}||{workload}||sleep 3600",
            ["BERTH_WORKLOAD_COUNT"] = "1",
            ["BERTH_WORKLOAD_1_IMAGE"] = DockerRequirement.TestImage,
            ["BERTH_WORKLOAD_1_PORT"] = "70000",
            [$"BERTH_MIN_SIZE_{suffix}"] = "1",
            [$"BERTH_MAX_SIZE_{suffix}"] = "3",
        });
        await berth.StartAsync();

        var first = await Eventually.Until(() => ReadAsync(berth, workload), r => r.Status == HttpStatusCode.OK,
            "the declared workload to be registered");
        Assert.Equal(1, first.MinSize);
        await berth.Api.WaitForIdleAsync(workload, 1);
        await Eventually.Until(() => Task.FromResult(berth.SiloOutput.Any(l => l.Contains("BERTH_WORKLOAD_1_PORT"))),
            found => found, "the bad entry to be logged with its variable");
        Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync(berth, "berth-busybox")).Status);

        await berth.StopSiloAsync(0);
        berth.StartSilo(0);
        await berth.WaitUntilReadyAsync();
        await Eventually.Until(() => Task.FromResult(berth.SiloOutput.Count(l => l.Contains("BERTH_WORKLOAD_1_PORT"))),
            n => n >= 2, "the restarted silo to apply the environment again");

        var again = await ReadAsync(berth, workload);
        Assert.Equal(first.Version, again.Version); // applied again, unchanged
    }
}

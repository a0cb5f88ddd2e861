using System.Net;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// Declarative provisioning in a real deployment: workloads declared in the silo's environment are
/// registered at every start (bad entries logged with their variable and skipped), blank or 0 ports
/// are allocated once and kept across restarts, and the workloads directory follows
/// <c>Silo__WorkloadsMode</c> and retires a spec whose file went only with <c>Silo__WorkloadsPrune</c>.
/// </summary>
public sealed class EnvironmentWorkloadsDeploymentTests
{
    private sealed record WorkloadJson(HttpStatusCode Status, string? Version, int? MinSize, int[] Ports, string? PortVariable, string? Source, bool Retiring = false);

    private static async Task<WorkloadJson> ReadAsync(BerthDeployment berth, string id)
    {
        using var response = await berth.Http.GetAsync($"/workloads/{id}");
        if (response.StatusCode != HttpStatusCode.OK) return new(response.StatusCode, null, null, [], null, null);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var spec = doc.RootElement.GetProperty("spec");
        return new(response.StatusCode, doc.RootElement.GetProperty("version").GetString(),
            spec.GetProperty("pool").GetProperty("minSize").GetInt32(),
            [.. spec.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("containerPort").GetInt32())],
            spec.GetProperty("environment").TryGetProperty("PORT", out var port) ? port.GetString() : null,
            doc.RootElement.TryGetProperty("source", out var source) ? source.GetString() : null,
            doc.RootElement.TryGetProperty("retiring", out var retiring) && retiring.GetBoolean());
    }

    private static string FileSpec(string id) => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sleep", "3600"]
        pool:
          min_size: 0
          max_size: 2
        """;

    private static async Task RestartAsync(BerthDeployment berth, Dictionary<string, string> overrides)
    {
        await berth.StopSiloAsync(0);
        berth.SiloOverrides[0] = overrides;
        berth.StartSilo(0);
        await berth.WaitUntilReadyAsync();
    }

    [DockerFact]
    public async Task Declared_workloads_get_stable_ports_and_the_directory_follows_its_mode_and_prunes_only_when_told()
    {
        var auto = Workloads.NewId("envauto");
        var zero = Workloads.NewId("envzero");
        var kept = Workloads.NewId("filekept");
        var held = Workloads.NewId("fileheld");
        var gone = Workloads.NewId("filegone");
        var suffix = auto.ToUpperInvariant().Replace('-', '_').Replace('.', '_');
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["BERTH_WORKLOADS"] = $"{DockerRequirement.TestImage}||{auto}||sleep 3600;{DockerRequirement.TestImage}|0|{zero}||sleep 3600",
            ["BERTH_WORKLOAD_COUNT"] = "1",
            ["BERTH_WORKLOAD_1_IMAGE"] = DockerRequirement.TestImage,
            ["BERTH_WORKLOAD_1_PORT"] = "70000",
            [$"BERTH_MIN_SIZE_{suffix}"] = "1",
            [$"BERTH_MAX_SIZE_{suffix}"] = "3",
        });
        var directory = Path.Combine(berth.WorkDirectory, "workloads");
        Directory.CreateDirectory(directory);
        foreach (var id in new[] { kept, held, gone }) await File.WriteAllTextAsync(Path.Combine(directory, $"{id}.yaml"), FileSpec(id));
        await berth.StartAsync();

        // Both forms registered, overrides applied, blank and 0 ports allocated (distinct, told as PORT).
        var first = await Eventually.Until(() => ReadAsync(berth, auto), r => r.Status == HttpStatusCode.OK, "the declared workload to be registered");
        Assert.Equal(1, first.MinSize);
        var firstZero = await Eventually.Until(() => ReadAsync(berth, zero), r => r.Status == HttpStatusCode.OK, "the 0-port workload to be registered");
        var autoPort = Assert.Single(first.Ports);
        var zeroPort = Assert.Single(firstZero.Ports);
        Assert.NotEqual(autoPort, zeroPort);
        Assert.All(new[] { autoPort, zeroPort }, p => Assert.InRange(p, 8080, 8179));
        Assert.Equal(autoPort.ToString(), first.PortVariable);
        Assert.StartsWith("env:", first.Source);
        var idle = await berth.Api.WaitForIdleAsync(auto, 1);
        var container = await berth.Docker.Containers.InspectContainerAsync(idle.Members[0].ContainerId!);
        Assert.Contains($"PORT={autoPort}", container.Config.Env);
        await Eventually.Until(() => Task.FromResult(berth.SiloOutput.Any(l => l.Contains("BERTH_WORKLOAD_1_PORT"))),
            found => found, "the bad entry to be logged with its variable");
        foreach (var id in new[] { kept, held, gone })
        {
            Assert.Equal($"file:{id}.yaml", (await ReadAsync(berth, id)).Source);
        }
        await berth.Api.ClaimOkAsync($"t-{held}", held);

        // Files removed and the declarations reordered: without pruning everything stays, and each
        // allocated port stays with its workload.
        File.Delete(Path.Combine(directory, $"{held}.yaml"));
        File.Delete(Path.Combine(directory, $"{gone}.yaml"));
        await RestartAsync(berth, new()
        {
            ["BERTH_WORKLOADS"] = $"{DockerRequirement.TestImage}|0|{zero}||sleep 3600;{DockerRequirement.TestImage}||{auto}||sleep 3600",
        });
        await Eventually.Until(() => Task.FromResult(berth.SiloOutput.Count(l => l.Contains("Silo__WorkloadsPrune=true retires it") && l.Contains(gone))),
            n => n >= 1, "the gone file to be reported");
        var again = await ReadAsync(berth, auto);
        Assert.Equal(first.Version, again.Version); // applied again, unchanged
        Assert.Equal([autoPort], again.Ports);
        Assert.Equal([zeroPort], (await ReadAsync(berth, zero)).Ports);
        Assert.Equal(HttpStatusCode.OK, (await ReadAsync(berth, gone)).Status);

        // With pruning: the free one is deleted at once; the held one takes no new claim but keeps its
        // tenant, and goes once released (here at the next start).
        await RestartAsync(berth, new() { ["Silo__WorkloadsPrune"] = "true" });
        await Eventually.Until(() => ReadAsync(berth, gone), r => r.Status == HttpStatusCode.NotFound, "the pruned workload to be deleted");
        // The silo retires its workloads one after another: the held one may come a moment after the free one.
        await Eventually.Until(() => ReadAsync(berth, held), r => r.Status == HttpStatusCode.OK && r.Retiring, "the held workload to be retiring");
        Assert.Equal(HttpStatusCode.OK, (await ReadAsync(berth, kept)).Status);
        using (var refused = await berth.Api.ClaimAsync($"t2-{held}", held))
        {
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }
        Assert.Equal(Contracts.TenantClaimState.Claimed, (await berth.Api.StatusAsync($"t-{held}")).Claims.Single().State);
        await berth.Api.ReleaseOkAsync($"t-{held}", held);
        await RestartAsync(berth, new() { ["Silo__WorkloadsPrune"] = "true" });
        await Eventually.Until(() => ReadAsync(berth, held), r => r.Status == HttpStatusCode.NotFound, "the released, pruned workload to be deleted");

        // never: a new file is not read; always with no directory: the silo refuses to start, saying why.
        var ignored = Workloads.NewId("fileignored");
        await File.WriteAllTextAsync(Path.Combine(directory, $"{ignored}.yaml"), FileSpec(ignored));
        await RestartAsync(berth, new() { ["Silo__WorkloadsMode"] = "never" });
        await Eventually.Until(() => Task.FromResult(berth.SiloOutput.Any(l => l.Contains("WorkloadsMode is never"))), found => found, "the silo to skip the directory");
        Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync(berth, ignored)).Status);

        await berth.StopSiloAsync(0);
        berth.SiloOverrides[0] = new() { ["Silo__WorkloadsMode"] = "always", ["Silo__WorkloadsDirectory"] = Path.Combine(berth.WorkDirectory, "not-mounted") };
        berth.StartSilo(0);
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await berth.Silo(0)!.WaitForExitAsync(exited.Token);
        Assert.NotEqual(0, berth.Silo(0)!.ExitCode);
        Assert.Contains(berth.Silo(0)!.Output, l => l.Contains("Silo:WorkloadsMode is always"));
    }
}

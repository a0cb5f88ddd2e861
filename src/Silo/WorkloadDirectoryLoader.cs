using Berth.Grains;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Silo;

/// <summary>
/// Registers every workload spec found in the workloads directory once the silo is up. A bad file
/// is reported with its path and field errors and skipped; it does not stop the silo.
/// </summary>
public sealed class WorkloadDirectoryLoader(
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<SiloOptions> options,
    ILogger<WorkloadDirectoryLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var directory = Path.GetFullPath(options.Value.WorkloadsDirectory);
        var catalog = grains.GetGrain<IWorkloadCatalogGrain>(0);
        if (!Directory.Exists(directory))
        {
            logger.LogInformation("No workloads directory at {Directory}; workloads come from the API only", directory);
            await catalog.List(); // activates the catalog, which wakes every known pool
            return;
        }
        var files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                var text = await File.ReadAllTextAsync(file, stoppingToken);
                var spec = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                    ? WorkloadSpecParser.ParseJson(text)
                    : WorkloadSpecParser.ParseYaml(text);
                var (record, created) = await catalog.Upsert(spec);
                logger.LogInformation("Workload {Workload} from {File}: {Action} (version {Version})",
                    spec.Id, file, created ? "registered" : "unchanged or updated", record.Version);
            }
            catch (WorkloadSpecException ex)
            {
                logger.LogError("Workload file {File} is invalid: {Errors}", file, ex.Message);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Workload file {File} could not be registered", file);
            }
        }
    }
}

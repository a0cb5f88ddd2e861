using Berth.Grains;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Silo;

/// <summary>
/// Registers every workload spec found in the workloads directory, then those declared in the
/// environment (<see cref="EnvironmentWorkloads"/>), once the silo is up; at every start, since Upsert
/// of an unchanged spec changes nothing. A bad file or entry is reported with its path or variable
/// and skipped; it does not stop the silo.
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
            logger.LogInformation("No workloads directory at {Directory}; workloads come from the environment and the API", directory);
            await catalog.List(); // activates the catalog, which wakes every known pool
        }
        else
        {
            await LoadDirectory(directory, catalog, stoppingToken);
        }
        await LoadEnvironment(catalog, stoppingToken);
    }

    private async Task LoadDirectory(string directory, IWorkloadCatalogGrain catalog, CancellationToken stoppingToken)
    {
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
                await Register(catalog, spec, file);
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

    private async Task LoadEnvironment(IWorkloadCatalogGrain catalog, CancellationToken stoppingToken)
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => e.Value as string, StringComparer.Ordinal);
        foreach (var declared in EnvironmentWorkloads.Read(environment))
        {
            if (declared.Spec is not { } spec)
            {
                logger.LogError("Workload {Source} in the environment is invalid and skipped: {Errors}",
                    declared.Source, string.Join("; ", declared.Errors));
                continue;
            }
            try
            {
                await Register(catalog, spec, declared.Source);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Workload {Workload} from {Source} could not be registered", spec.Id, declared.Source);
            }
        }
    }

    private async Task Register(IWorkloadCatalogGrain catalog, WorkloadSpec spec, string source)
    {
        var (record, created) = await catalog.Upsert(spec);
        logger.LogInformation("Workload {Workload} from {Source}: {Action} (version {Version})",
            spec.Id, source, created ? "registered" : "unchanged or updated", record.Version);
    }
}

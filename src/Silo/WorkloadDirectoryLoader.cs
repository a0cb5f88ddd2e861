using Berth.Contracts;
using Berth.Grains;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Silo;

/// <summary>
/// Registers every workload spec found in the workloads directory (as <see cref="SiloOptions.WorkloadsMode"/>
/// says), then those declared in the environment (<see cref="EnvironmentWorkloads"/>), once the silo is up;
/// at every start, since Upsert of an unchanged spec changes nothing. A bad file or entry is reported with
/// its path or variable and skipped; it does not stop the silo. A workload whose file is gone is retired
/// with <see cref="SiloOptions.WorkloadsPrune"/>, else only reported.
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
        if (options.Value.WorkloadsMode == WorkloadsMode.Never)
        {
            logger.LogInformation("Silo:WorkloadsMode is never: the workloads directory is not read");
            await catalog.List(); // activates the catalog, which wakes every known pool
        }
        else if (!Directory.Exists(directory))
        {
            logger.LogInformation("No workloads directory at {Directory}; workloads come from the environment and the API", directory);
            await catalog.List();
        }
        else
        {
            var present = await LoadDirectory(directory, catalog, stoppingToken);
            await LoadEnvironment(catalog, stoppingToken);
            // After the environment: a workload whose file went but which is declared there now is not gone.
            await PruneAsync(catalog, present);
            return;
        }
        await LoadEnvironment(catalog, stoppingToken);
    }

    /// <summary>Registers each file; answers the sources of every file present, valid or not (a bad file is not a gone one).</summary>
    private async Task<HashSet<string>> LoadDirectory(string directory, IWorkloadCatalogGrain catalog, CancellationToken stoppingToken)
    {
        var files = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var file in files)
        {
            try
            {
                var text = await File.ReadAllTextAsync(file, stoppingToken);
                var spec = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                    ? WorkloadSpecParser.ParseJson(text)
                    : WorkloadSpecParser.ParseYaml(text);
                await Register(catalog, spec, FileSource(file), file);
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
        return files.Select(FileSource).ToHashSet(StringComparer.Ordinal);
    }

    private static string FileSource(string file) => WorkloadRecord.FilePrefix + Path.GetFileName(file);

    /// <summary>Workloads last registered from a file of the directory that is no longer there.</summary>
    private async Task PruneAsync(IWorkloadCatalogGrain catalog, HashSet<string> present)
    {
        var gone = (await catalog.List())
            .Where(r => r.Source is { } source && source.StartsWith(WorkloadRecord.FilePrefix, StringComparison.Ordinal) && !present.Contains(source))
            .ToList();
        foreach (var record in gone)
        {
            if (!options.Value.WorkloadsPrune)
            {
                logger.LogWarning("Workload {Workload} came from {Source}, which is gone from the workloads directory; it stays registered (Silo__WorkloadsPrune=true retires it)",
                    record.Spec.Id, record.Source);
                continue;
            }
            try
            {
                var deleted = await catalog.Retire(record.Spec.Id);
                logger.LogInformation("Workload {Workload}: its file {Source} is gone; {Outcome}", record.Spec.Id, record.Source,
                    deleted ? "deleted" : "retiring (no new claims; deleted once its tenants release)");
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Workload {Workload} could not be retired", record.Spec.Id);
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
                if (declared.AutoPortProtocol is { } protocol)
                {
                    spec = WithPort(spec, await catalog.AllocatePort(spec.Id), protocol);
                }
                await Register(catalog, spec, WorkloadRecord.EnvironmentPrefix + declared.Source, declared.Source);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Workload {Workload} from {Source} could not be registered", spec.Id, declared.Source);
            }
        }
    }

    /// <summary>The allocated port, declared and told to the workload as <c>PORT</c> (unless the entry sets one).</summary>
    private static WorkloadSpec WithPort(WorkloadSpec spec, int port, string protocol)
    {
        var environment = new Dictionary<string, string>(spec.Environment);
        environment.TryAdd("PORT", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return spec with { Ports = [new PortSpec { ContainerPort = port, Protocol = protocol }], Environment = environment };
    }

    private async Task Register(IWorkloadCatalogGrain catalog, WorkloadSpec spec, string source, string from)
    {
        var (record, created) = await catalog.Upsert(spec, source: source);
        logger.LogInformation("Workload {Workload} from {Source}: {Action} (version {Version})",
            spec.Id, from, created ? "registered" : "unchanged or updated", record.Version);
    }
}

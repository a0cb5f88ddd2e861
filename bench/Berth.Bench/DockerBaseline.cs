using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Bench;

/// <summary>
/// Create+start of the workload image through Docker.DotNet directly, with the same limits and
/// hardening Berth applies: what any pool manager pays per container, and the baseline for every ratio.
/// </summary>
public sealed class DockerBaseline(DockerClient docker, string image, string network, string runId)
{
    private const string Label = "berth-bench";

    private CreateContainerParameters Parameters() => new()
    {
        Image = image,
        Cmd = ["sleep", "3600"],
        User = "65534:65534",
        Labels = new Dictionary<string, string> { [Label] = runId },
        HostConfig = new HostConfig
        {
            NetworkMode = network,
            Memory = 16 * 1024 * 1024,
            NanoCPUs = 1_000_000_000,
            PidsLimit = 256,
            CapDrop = ["ALL"],
            SecurityOpt = ["no-new-privileges"],
            IpcMode = "private",
        },
    };

    private async Task<string> CreateAndStartAsync()
    {
        var created = await docker.Containers.CreateContainerAsync(Parameters());
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return created.ID;
    }

    /// <summary>Sequential create+start latencies (ms); the containers are removed afterwards, untimed.</summary>
    public async Task<List<double>> SequentialAsync(int count)
    {
        var samples = new List<double>();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            ids.Add(await CreateAndStartAsync());
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        await RemoveAsync(ids);
        return samples;
    }

    /// <summary>Containers per second created and started with <paramref name="parallelism"/> in flight.</summary>
    public async Task<double> ParallelAsync(int count, int parallelism)
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (_, _) => ids.Add(await CreateAndStartAsync()));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await RemoveAsync(ids);
        return count / seconds;
    }

    public async Task RemoveAsync(IEnumerable<string> ids) =>
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }));

    /// <summary>Removes anything this run left (a benchmark interrupted midway).</summary>
    public async Task CleanUpAsync()
    {
        var leftovers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Label}={runId}"] = true } },
        });
        await RemoveAsync(leftovers.Select(c => c.ID));
    }
}

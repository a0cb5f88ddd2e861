using Berth.Specs;

namespace Berth.Tenants;

/// <summary>How a claim's state is synced, fixed when the claim is made (the spec may change later).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Tenants.StateSync")]
public sealed record StateSync(
    [property: Id(0)] string? Target,
    [property: Id(1)] string Sink,
    [property: Id(2)] long MaxBytes,
    [property: Id(3)] bool RestoreOnClaim,
    [property: Id(4)] bool SaveOnRelease,
    [property: Id(5)] bool Manual,
    [property: Id(6)] TimeSpan? Periodic,
    [property: Id(7)] SyncedPath[]? Paths = null,
    [property: Id(8)] SinkLocation? Location = null)
{
    /// <summary>The synced directories; a claim recorded before mappings existed syncs its state directory.</summary>
    public IReadOnlyList<SyncedPath> AllPaths =>
        Paths ?? (Target is null ? [] : [new SyncedPath(Target, Save: true, Restore: true, Accumulate: false)]);

    /// <summary>Null for a workload with nothing to sync.</summary>
    public static StateSync? From(WorkloadSpec spec)
    {
        var paths = SyncedPaths(spec);
        if (paths.Count == 0)
        {
            return null;
        }
        return new StateSync(
            spec.Volumes.StateTarget,
            spec.Sync?.Sink ?? "filesystem",
            spec.Sync?.MaxBytes ?? SyncSpec.DefaultMaxBytes,
            spec.Sync?.Policy.OnClaim ?? true,
            spec.Sync?.Policy.OnRelease ?? true,
            spec.Sync?.Policy.Manual ?? false,
            spec.Sync?.Policy.Periodic,
            [.. paths],
            spec.Sync?.Location);
    }

    /// <summary>
    /// Without mappings, the whole state volume syncs both ways; with them (paths inside the state
    /// volume, as Boilerhouse means them), each mapped path syncs as it says and the rest of the
    /// volume is not synced.
    /// </summary>
    public static List<SyncedPath> SyncedPaths(WorkloadSpec spec)
    {
        if (spec.Services is { Length: > 0 } services)
        {
            return StackPaths(spec.Sync, services);
        }
        if (spec.Volumes.StateTarget is not { } target)
        {
            return [];
        }
        var mappings = spec.Sync?.Mappings ?? [];
        if (mappings.Length == 0)
        {
            return [new SyncedPath(target, Save: true, Restore: true, Accumulate: false, VolumeRoot: target)];
        }
        return [.. mappings.Select(mapping => new SyncedPath(
            mapping.ContainerPath(target),
            Save: mapping.Direction is "upload" or "bidirectional",
            Restore: mapping.Direction is "download" or "bidirectional",
            Accumulate: mapping.Mode == "copy",
            VolumeRoot: target))];
    }

    /// <summary>
    /// A stack: without mappings, every service's state volume whole; with them, each mapping in
    /// its service's volume (the primary's by default). The primary's paths carry no service.
    /// </summary>
    private static List<SyncedPath> StackPaths(SyncSpec? sync, ServiceSpec[] services)
    {
        string? ServiceOf(ServiceSpec service) => service.Name == services[0].Name ? null : service.Name;
        var mappings = sync?.Mappings ?? [];
        if (mappings.Length == 0)
        {
            return [.. services.Where(s => s.Volumes.StateTarget is not null).Select(s =>
                new SyncedPath(s.Volumes.StateTarget!, Save: true, Restore: true, Accumulate: false, VolumeRoot: s.Volumes.StateTarget, Service: ServiceOf(s)))];
        }
        return [.. mappings.Select(mapping =>
        {
            var service = services.First(s => s.Name == (mapping.Service ?? services[0].Name));
            var target = service.Volumes.StateTarget!;
            return new SyncedPath(
                mapping.ContainerPath(target),
                Save: mapping.Direction is "upload" or "bidirectional",
                Restore: mapping.Direction is "download" or "bidirectional",
                Accumulate: mapping.Mode == "copy",
                VolumeRoot: target,
                Service: ServiceOf(service));
        })];
    }
}

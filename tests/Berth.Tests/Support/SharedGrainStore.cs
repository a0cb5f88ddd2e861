using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace Berth.Tests.Support;

/// <summary>
/// Grain storage that outlives any one silo of an in-process cluster, as a database would: every
/// silo's provider reads and writes the same records, as serialized copies, with etag checks.
/// (Orleans' memory storage keeps its records in grains, which die with their silo.)
/// </summary>
public sealed class SharedGrainStore
{
    private readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> _records = new(StringComparer.Ordinal);

    /// <summary>Writes so far, to show a test that storage was used at all.</summary>
    public int Writes => _writes;
    private int _writes;

    public IGrainStorage ProviderFor(Serializer serializer) => new Provider(this, serializer);

    private static string KeyOf(string stateName, GrainId grainId) => $"{stateName}/{grainId}";

    private sealed class Provider(SharedGrainStore store, Serializer serializer) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (store._records.TryGetValue(KeyOf(stateName, grainId), out var record))
            {
                grainState.State = serializer.Deserialize<T>(record.Data);
                grainState.ETag = record.ETag;
                grainState.RecordExists = true;
            }
            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = KeyOf(stateName, grainId);
            var data = serializer.SerializeToArray(grainState.State);
            lock (store._records)
            {
                var current = store._records.TryGetValue(key, out var record) ? record.ETag : null;
                if (current != grainState.ETag)
                {
                    throw new InconsistentStateException($"etag mismatch writing {key}", current, grainState.ETag);
                }
                var etag = Guid.NewGuid().ToString("N");
                store._records[key] = (data, etag);
                grainState.ETag = etag;
                grainState.RecordExists = true;
            }
            Interlocked.Increment(ref store._writes);
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = KeyOf(stateName, grainId);
            lock (store._records)
            {
                var current = store._records.TryGetValue(key, out var record) ? record.ETag : null;
                if (current is not null && current != grainState.ETag)
                {
                    throw new InconsistentStateException($"etag mismatch clearing {key}", current, grainState.ETag);
                }
                store._records.TryRemove(key, out _);
                grainState.ETag = null;
                grainState.RecordExists = false;
            }
            return Task.CompletedTask;
        }
    }
}

using System.Runtime.CompilerServices;

namespace Berth.Gateway.Audit;

/// <summary>The audit trail of the <c>Memory</c> database provider: kept as long as the gateway runs.</summary>
public sealed class MemoryAuditLog : IAuditLog
{
    private readonly List<AuditRecord> _records = [];
    private readonly Lock _lock = new();

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var e in events) _records.Add(AuditChain.Next(_records.LastOrDefault(), e));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AuditRecord> matches = _records.AsEnumerable().Reverse()
                .Where(r => query.Principal is null || r.Event.Principal == query.Principal)
                .Where(r => query.Resource is null || r.Event.Resource == query.Resource || (r.Event.Resource?.StartsWith(query.Resource + "/", StringComparison.Ordinal) ?? false))
                .Where(r => query.Since is null || r.Event.At >= query.Since)
                .Where(r => query.Until is null || r.Event.At <= query.Until)
                .Take(query.Limit)
                .ToList();
            return Task.FromResult(matches);
        }
    }

    public async IAsyncEnumerable<AuditRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditRecord> snapshot;
        lock (_lock) snapshot = [.. _records];
        foreach (var record in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
        await Task.CompletedTask;
    }
}

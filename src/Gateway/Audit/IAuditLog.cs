namespace Berth.Gateway.Audit;

/// <summary>Append-only storage of the audit trail.</summary>
public interface IAuditLog
{
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Appends in order, chaining each to the last stored entry, atomically with respect to other gateways.</summary>
    Task AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken);

    /// <summary>Matching entries, newest first.</summary>
    Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every entry, oldest first, for verification.</summary>
    IAsyncEnumerable<AuditRecord> ReadAllAsync(CancellationToken cancellationToken);
}

namespace Berth.Client.Models;

/// <summary>One audit entry (<c>GET /audit</c>), newest first.</summary>
public sealed record AuditEntry(long Seq, DateTimeOffset At, string Principal, string? Role, string Action, string? Resource, int Result,
    double DurationMs, string PrevHash, string Hash);

/// <summary><c>GET /audit/verify</c>: the hash chain recomputed.</summary>
public sealed record AuditVerification(bool Valid, long Entries, long? FirstInvalidSeq, string? Problem);

/// <summary>Filters of <c>GET /audit</c>; null ones are left out.</summary>
public sealed record AuditQuery(string? Principal = null, string? Resource = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, int? Limit = null);

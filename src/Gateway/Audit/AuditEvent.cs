namespace Berth.Gateway.Audit;

/// <summary>What happened in one request: who, what, to which resource, with what result, how long it took, and when.</summary>
public sealed record AuditEvent(
    DateTimeOffset At,
    string Principal,
    string? Role,
    string Action,
    string? Resource,
    int Result,
    long DurationMicroseconds);

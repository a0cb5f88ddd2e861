namespace Berth.Gateway.Audit;

/// <summary>An audit event as stored: its place in the chain, the hash of the entry before it, and its own hash.</summary>
public sealed record AuditRecord(long Seq, AuditEvent Event, string PrevHash, string Hash);

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Gateway.Audit;

/// <summary>
/// The hash chain over the audit trail: each entry's hash covers its position, its fields and the
/// previous entry's hash, so changing, removing or reordering any row breaks every hash after it.
/// </summary>
public static class AuditChain
{
    public static readonly string Genesis = new('0', 64);

    public static string HashOf(long seq, AuditEvent e, string prevHash)
    {
        // A JSON array: unambiguous whatever characters the fields hold.
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            seq, e.At.ToUnixTimeMilliseconds(), e.Principal, e.Role, e.Action, e.Resource, e.Result, e.DurationMicroseconds, prevHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    public static AuditRecord Next(AuditRecord? previous, AuditEvent e)
    {
        var seq = (previous?.Seq ?? 0) + 1;
        var prevHash = previous?.Hash ?? Genesis;
        // Stored to the millisecond, as the hash sees it.
        var stored = e with { At = DateTimeOffset.FromUnixTimeMilliseconds(e.At.ToUnixTimeMilliseconds()) };
        return new AuditRecord(seq, stored, prevHash, HashOf(seq, stored, prevHash));
    }

    /// <summary>Walks the whole trail in order and reports the first entry that does not fit.</summary>
    public static async Task<AuditVerification> VerifyAsync(IAsyncEnumerable<AuditRecord> records, CancellationToken cancellationToken)
    {
        AuditRecord? previous = null;
        long count = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            var expectedSeq = (previous?.Seq ?? 0) + 1;
            var expectedPrev = previous?.Hash ?? Genesis;
            string? problem =
                record.Seq != expectedSeq ? $"entry {expectedSeq} is missing (found {record.Seq})"
                : record.PrevHash != expectedPrev ? "its previous-hash does not match the entry before it"
                : record.Hash != HashOf(record.Seq, record.Event, record.PrevHash) ? "its contents do not match its hash"
                : null;
            if (problem is not null)
            {
                return new AuditVerification(false, count, record.Seq, problem);
            }
            previous = record;
            count++;
        }
        return new AuditVerification(true, count, null, null);
    }
}

/// <summary>The answer of <c>GET /audit/verify</c>.</summary>
public sealed record AuditVerification(bool Valid, long Entries, long? FirstInvalidSeq, string? Problem);

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Specs;

/// <summary>A short content hash of a validated spec: the <c>berth.spec</c> label, so stale members can be told apart.</summary>
public static class WorkloadSpecVersion
{
    private static readonly JsonSerializerOptions Canonical = new() { WriteIndented = false };

    public static string Compute(WorkloadSpec spec)
    {
        // The pool settings do not change what runs inside a container, so resizing a pool keeps its members.
        var runtimeShape = spec with { Pool = new PoolSpec(), Name = null };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(runtimeShape, Canonical);
        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
    }
}

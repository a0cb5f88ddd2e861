namespace Berth.Contracts;

[GenerateSerializer, Alias("Berth.Contracts.HostView"), Immutable]
public sealed record HostView(
    [property: Id(0)] string HostId,
    [property: Id(1)] bool Healthy,
    [property: Id(2)] int ManagedContainers,
    [property: Id(3)] int CreatesInFlight,
    [property: Id(4)] DateTimeOffset? LastSweep,
    [property: Id(5)] string? LastError,
    /// <summary><c>managed</c> (the egress policy is enforced), <c>unmanaged</c> (it cannot be; see <see cref="EgressProblem"/>) or <c>unknown</c> (not checked yet).</summary>
    [property: Id(6)] string Egress = "unknown",
    [property: Id(7)] string? EgressProblem = null,
    [property: Id(8)] string[]? EgressNotes = null,
    /// <summary>Milliseconds the last reconciliation sweep took: the listing and every pool's handling of its report.</summary>
    [property: Id(9)] double? LastSweepMs = null);

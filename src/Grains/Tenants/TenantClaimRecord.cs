using Berth.Contracts;
using Berth.Errors;

namespace Berth.Tenants;

/// <summary>A tenant's claim on one workload, as the tenant grain persists it.</summary>
[GenerateSerializer, Alias("Berth.Tenants.TenantClaimRecord")]
public sealed class TenantClaimRecord
{
    [Id(0)] public required string Workload { get; init; }
    [Id(1)] public TenantClaimState State { get; set; }
    [Id(2)] public string? MemberId { get; set; }
    [Id(3)] public RunningContainer? Container { get; set; }
    [Id(4)] public ClaimSource? Source { get; set; }
    [Id(5)] public DateTimeOffset? ClaimedAt { get; set; }
    [Id(6)] public DateTimeOffset StateSince { get; set; }
    [Id(7)] public string? Error { get; set; }
    /// <summary>How this claim's state is saved and restored; null when the workload keeps no state.</summary>
    [Id(8)] public StateSync? Sync { get; set; }
    /// <summary>Set once this release's snapshot is stored and verified, so a resumed release does not save twice.</summary>
    [Id(9)] public bool SavedForRelease { get; set; }
    /// <summary>Where the tenant's secrets are written at claim time; null when the workload takes none.</summary>
    [Id(10)] public string? SecretsTarget { get; set; }
    /// <summary>The operation ids of the latest releases, newest last, so that a late retry of one is recognised.</summary>
    [Id(11)] public List<string> ReleaseOperations { get; set; } = [];

    public const int RememberedReleaseOperations = 16;

    /// <summary>The operation id of the latest claim attempt, and the kind of its failure if it failed.</summary>
    [Id(12)] public string? ClaimOperation { get; set; }
    [Id(13)] public BerthErrorKind? ClaimFailure { get; set; }

    /// <summary>What the latest claim restored, and why it is not the newest state when that is known.</summary>
    [Id(14)] public RestoredSnapshot? RestoredFrom { get; set; }

    /// <summary>When the release in progress began (its retries stop at the release retry deadline); null otherwise.</summary>
    [Id(15)] public DateTimeOffset? ReleaseStartedAt { get; set; }

    /// <summary>Set once this claim told the catalog which paths it has snapshots of (once per claim is enough).</summary>
    [Id(16)] public bool PathsReported { get; set; }

    /// <summary>Set when the claim was lost because its whole host went down (since then): see ITenantGrain.OnMemberLost.</summary>
    [Id(17)] public DateTimeOffset? HostDownSince { get; set; }

    /// <summary>The workload's lifecycle limits when claimed (idle timeout, keep_released, pause_timeout, ...).</summary>
    [Id(18)] public ClaimLifecycle? Lifecycle { get; set; }

    /// <summary>When the claim's time limit releases it, and which limit that is (ttl or pool.max_claim_duration).</summary>
    [Id(19)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(20)] public string? ExpiryReason { get; set; }

    /// <summary>Set while a released claim's saved container is kept paused for this tenant (pool.keep_released).</summary>
    [Id(21)] public DateTimeOffset? KeptUntil { get; set; }

    /// <summary>Set when the release in progress may keep the container for this tenant afterwards (it was running or paused).</summary>
    [Id(22)] public bool KeepOnRelease { get; set; }
    /// <summary>A stack's services other than the primary that take the tenant's secrets, and where.</summary>
    [Id(23)] public Dictionary<string, string>? ServiceSecretsTargets { get; set; }

    /// <summary>Moves the claim along <see cref="TenantTransitions"/>; a move the table lacks throws (a bug, never a user error).</summary>
    public TenantTransition Apply(TenantClaimEvent @event, DateTimeOffset now, string? error = null)
    {
        var move = TenantTransitions.Require(State, @event);
        if (move.To != State) StateSince = now;
        State = move.To;
        Error = error;
        return move;
    }

    public TenantClaimView ToView(string tenantId, SnapshotRecord? latest) => new()
    {
        LastSnapshotAt = latest?.CreatedAt,
        LastSnapshotBytes = latest?.Digest.ContentBytes,
        TenantId = tenantId,
        Workload = Workload,
        State = State,
        ContainerId = Container?.ContainerId,
        HostId = Container?.HostId,
        MemberId = MemberId,
        Endpoints = Container?.Endpoints ?? [],
        ClaimedAt = ClaimedAt,
        Source = Source,
        StateSince = StateSince,
        Error = Error,
        RestoredFrom = RestoredFrom,
        ExpiresAt = ExpiresAt,
        ExpiryReason = ExpiryReason,
        KeptUntil = KeptUntil,
        Services = Container?.Services,
    };
}

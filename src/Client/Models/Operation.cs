namespace Berth.Client.Models;

/// <summary>A long change tracked as a resource (<c>/operations</c>): a drain, rollout, resize or provision.</summary>
public sealed record Operation
{
    public required string Id { get; init; }
    /// <summary>drain, rollout, resize or provision.</summary>
    public required string Kind { get; init; }
    public required string Target { get; init; }
    /// <summary>running, cancelling, succeeded, failed or cancelled.</summary>
    public required string State { get; init; }
    public int Done { get; init; }
    public int Total { get; init; }
    public string? Message { get; init; }
    public OperationError[] Errors { get; init; } = [];
    public string? StartedBy { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public long Version { get; init; }

    /// <summary>Succeeded, failed or cancelled: nothing more will change.</summary>
    public bool IsFinished => State is "succeeded" or "failed" or "cancelled";
}

public sealed record OperationError(DateTimeOffset At, string? Item, string Message);

/// <summary>Filters of <c>GET /operations</c>: <see cref="State"/> is running or finished.</summary>
public sealed record OperationQuery(string? State = null, string? Kind = null, string? Target = null, int? Limit = null);

using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// One event as <c>GET /events</c>, the SSE stream and webhook bodies write it (camelCase, nulls
/// left out, <see cref="Type"/> in snake_case). The gateway and the silos' webhook dispatcher
/// both use <see cref="Json"/>, so a receiver sees the same shape everywhere.
/// </summary>
public sealed record EventView(
    long Sequence,
    DateTimeOffset At,
    string Type,
    string? TenantId,
    string? Workload,
    string? HostId,
    string? ContainerId,
    string? Reason,
    ClaimSource? Source)
{
    public static EventView From(BerthEvent e) =>
        new(e.Sequence, e.At, BerthEventNames.Of(e.Type), e.TenantId, e.Workload, e.HostId, e.ContainerId, e.Reason, e.Source);

    /// <summary>The API's own JSON settings (web defaults, camelCase enums, no nulls).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(BerthEvent e) => JsonSerializer.Serialize(From(e), Json);
}

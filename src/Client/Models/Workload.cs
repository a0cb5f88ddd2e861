using System.Text.Json;

namespace Berth.Client.Models;

/// <summary>A registered workload (<c>GET /workloads/{id}</c>); <see cref="Spec"/> is kept as the gateway's JSON.</summary>
public sealed record Workload(string Id, string Version, DateTimeOffset UpdatedAt, JsonElement Spec, string[]? Warnings);

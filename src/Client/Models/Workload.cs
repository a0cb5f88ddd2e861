using System.Text.Json;

namespace Berth.Client.Models;

/// <summary>
/// A registered workload (<c>GET /workloads/{id}</c>); <see cref="Spec"/> is kept as the gateway's JSON. <see cref="Source"/> says where it
/// was last registered from (<c>file:NAME</c>, <c>env:VARIABLE</c> or <c>api</c>); <see cref="Retiring"/> that its file went (with pruning on):
/// no new claims, deleted once its tenants release.
/// </summary>
public sealed record Workload(string Id, string Version, DateTimeOffset UpdatedAt, JsonElement Spec, string[]? Warnings, string? Source = null, bool Retiring = false);

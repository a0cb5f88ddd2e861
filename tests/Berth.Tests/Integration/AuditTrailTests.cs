using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;
using Npgsql;

namespace Berth.Tests.Integration;

/// <summary>The audit trail: every mutating call and every denial is recorded, and tampering is detected.</summary>
public sealed class AuditTrailTests
{
    private sealed record Entry(long Seq, string Principal, string? Role, string Action, string? Resource, int Result);

    private static async Task<List<Entry>> AuditAsync(HttpClient admin, string query)
    {
        using var response = await admin.GetAsync($"/audit?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonSerializer.Deserialize<List<Entry>>(body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static async Task<JsonElement> VerifyAsync(HttpClient admin) =>
        JsonDocument.Parse(await admin.GetStringAsync("/audit/verify")).RootElement;

    [DockerFact]
    public async Task An_ambiguous_sync_is_a_400_naming_workload_and_the_audit_records_the_status_answered()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var a = Workloads.NewId("synca");
        var b = Workloads.NewId("syncb");
        var tenant = $"t-{a}";
        (await berth.Api.PutWorkloadYamlAsync(a, Workloads.Sleeper(a, 0, 2))).EnsureSuccessStatusCode();
        (await berth.Api.PutWorkloadYamlAsync(b, Workloads.Sleeper(b, 0, 2))).EnsureSuccessStatusCode();
        await berth.Api.ClaimOkAsync(tenant, a);
        await berth.Api.ClaimOkAsync(tenant, b);

        using (var sync = await berth.Http.PostAsync($"/tenants/{tenant}/sync", null))
        {
            var body = await sync.Content.ReadAsStringAsync();
            Assert.True(sync.StatusCode == HttpStatusCode.BadRequest, $"{(int)sync.StatusCode} {body}");
            Assert.Equal("workload", JsonDocument.Parse(body).RootElement.GetProperty("field").GetString());
        }
        using (var unknown = await berth.Api.ClaimAsync(tenant, "no-such-workload"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        var entries = await Eventually.Until(() => AuditAsync(berth.Http, $"resource=tenant:{tenant}"),
            e => e.Any(x => x.Action == "POST /tenants/{tenantId}/sync") && e.Count(x => x.Action == "POST /tenants/{tenantId}/claim") == 3,
            "the sync and the claims to be audited");
        Assert.Equal(400, entries.Single(e => e.Action == "POST /tenants/{tenantId}/sync").Result);
        Assert.Contains(entries, e => e.Action == "POST /tenants/{tenantId}/claim" && e.Result == 404);

        // Releasing without saving is an admin's decision alone, and the trail says it was forced.
        using (var operatorClient = berth.NewClient(await berth.Api.CreateKeyAsync("operator")))
        using (var refused = await operatorClient.PostAsync($"/tenants/{tenant}/release?force=true", JsonContent.Create(new { workload = a })))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("force", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        }
        using (var forced = await berth.Http.PostAsync($"/tenants/{tenant}/release?force=true", JsonContent.Create(new { workload = a })))
        {
            var body = await forced.Content.ReadAsStringAsync();
            Assert.True(forced.IsSuccessStatusCode, body);
            Assert.Contains("without saving", body);
        }
        await Eventually.Until(() => AuditAsync(berth.Http, $"resource=tenant:{tenant}"),
            e => e.Any(x => x.Action == "POST /tenants/{tenantId}/release?force=true" && x.Result == 200)
                && e.Any(x => x.Action == "POST /tenants/{tenantId}/release?force=true" && x.Result == 403),
            "the forced release and the refused one to be audited");
        await berth.Api.ReleaseOkAsync(tenant, b);
    }

    [DockerFact]
    public async Task Every_mutating_call_and_every_denial_is_recorded_with_who_what_and_result()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var workload = Workloads.NewId("audited");
        var tenant = $"t-{workload}";
        var viewerKey = await berth.Api.CreateKeyAsync("viewer");
        var viewerId = viewerKey.Split('_')[1];
        var adminId = berth.AdminKey.Split('_')[1];

        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 2))).EnsureSuccessStatusCode();
        await berth.Api.ClaimOkAsync(tenant, workload);
        (await berth.Http.PutAsync($"/tenants/{tenant}/secrets/token", new StringContent("s3cret"))).EnsureSuccessStatusCode();
        (await berth.Http.DeleteAsync($"/tenants/{tenant}/secrets/token")).EnsureSuccessStatusCode();
        await berth.Api.ReleaseOkAsync(tenant, workload);
        using (var viewer = berth.NewClient(viewerKey))
        using (var denied = await new BerthApi(viewer).ClaimAsync(tenant, workload))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }
        using (var anonymous = berth.NewClient(null))
        using (var refused = await anonymous.DeleteAsync($"/workloads/{workload}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The trail is written in the background, in order: once the last call above is listed, so is the rest.
        await Eventually.Until(() => AuditAsync(berth.Http, $"resource=workload:{workload}"),
            entries => entries.Any(e => e.Action == "DELETE /workloads/{id}" && e.Result == 401), "the trail to list the last call");
        var mine = await AuditAsync(berth.Http, $"principal=key:{adminId}&resource=tenant:{tenant}");
        Assert.Contains(mine, e => e.Action == "POST /tenants/{tenantId}/claim" && e.Resource == $"tenant:{tenant}" && e.Result == 200 && e.Role == "admin");
        Assert.Contains(mine, e => e.Action == "PUT /tenants/{tenantId}/secrets/{name}" && e.Resource == $"tenant:{tenant}/secret:token" && e.Result == 204);
        Assert.Contains(mine, e => e.Action == "DELETE /tenants/{tenantId}/secrets/{name}" && e.Result == 204);
        Assert.Contains(mine, e => e.Action == "POST /tenants/{tenantId}/release" && e.Result == 200);
        var workloadEntries = await AuditAsync(berth.Http, $"resource=workload:{workload}");
        Assert.Contains(workloadEntries, e => e.Action == "PUT /workloads/{id}" && e.Principal == $"key:{adminId}" && e.Result == 201);
        Assert.Contains(workloadEntries, e => e.Action == "DELETE /workloads/{id}" && e.Principal == "anonymous" && e.Result == 401);
        var denials = await AuditAsync(berth.Http, $"principal=key:{viewerId}");
        Assert.Contains(denials, e => e.Action == "POST /tenants/{tenantId}/claim" && e.Result == 403 && e.Role == "viewer");
        // The secret's value is nowhere in the trail.
        Assert.DoesNotContain("s3cret", await berth.Http.GetStringAsync("/audit?limit=1000"));
        var verification = await VerifyAsync(berth.Http);
        Assert.True(verification.GetProperty("valid").GetBoolean(), verification.ToString());
        // A read-only call leaves no entry; filters that make no sense are 400.
        Assert.DoesNotContain(await AuditAsync(berth.Http, "limit=1000"), e => e.Action.StartsWith("GET /workloads", StringComparison.Ordinal));
        using var badTime = await berth.Http.GetAsync("/audit?since=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badTime.StatusCode);
    }

    [PostgresDockerFact]
    public async Task The_postgres_trail_is_append_only_a_tampered_row_breaks_verification_and_operations_run_over_http()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres);
        await berth.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await berth.Http.PutAsync($"/tenants/audit-{i}/secrets/k", new StringContent("v"))).EnsureSuccessStatusCode();
        }
        var before = await VerifyAsync(berth.Http);
        Assert.True(before.GetProperty("valid").GetBoolean(), before.ToString());
        var entries = before.GetProperty("entries").GetInt64();
        Assert.True(entries >= 3, before.ToString());

        await using var db = new NpgsqlConnection(berth.ConnectionString);
        await db.OpenAsync();
        // Append-only: an ordinary UPDATE or DELETE is refused by the database itself.
        await using (var update = new NpgsqlCommand("UPDATE berth_audit SET result = 200 WHERE seq = 2", db))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => update.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText);
        }
        // Someone who can switch the guard off changes one row's outcome: verification names the row.
        await using (var tamper = new NpgsqlCommand(
            "ALTER TABLE berth_audit DISABLE TRIGGER berth_audit_no_change; UPDATE berth_audit SET principal = 'someone-else' WHERE seq = 2; ALTER TABLE berth_audit ENABLE TRIGGER berth_audit_no_change", db))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var after = await VerifyAsync(berth.Http);
        Assert.False(after.GetProperty("valid").GetBoolean(), after.ToString());
        Assert.Equal(2, after.GetProperty("firstInvalidSeq").GetInt64());
        Assert.Equal(1, after.GetProperty("entries").GetInt64());

        // The same deployment (PostgreSQL, real Docker) runs a rollout and a resize as operations.
        await OperationsRunAndCancelAsync(berth);
    }

    private static async Task<JsonElement> OperationAsync(HttpClient http, string location) =>
        JsonDocument.Parse(await http.GetStringAsync(location)).RootElement;

    private static string LocationOf(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Operation-Location"));

    /// <summary>A rollout followed over SSE to its end, and a resize that cannot finish, cancelled (its sizes come back).</summary>
    private static async Task OperationsRunAndCancelAsync(BerthDeployment berth)
    {
        var workload = Workloads.NewId("ops");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 1, 2))).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(workload, 1);
        // A claimed container of the older spec stays until released: the rollout says so.
        await berth.Api.ClaimOkAsync($"holder-{workload}", workload);
        await berth.Api.WaitForIdleAsync(workload, 1);

        using var put = await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 1, 2).Replace("command: [\"sleep\", \"3600\"]", "command: [\"sleep\", \"3601\"]"));
        put.EnsureSuccessStatusCode();
        var rollout = LocationOf(put);
        var first = await OperationAsync(berth.Http, rollout);
        Assert.Equal("rollout", first.GetProperty("kind").GetString());
        Assert.Equal(workload, first.GetProperty("target").GetString());
        Assert.StartsWith("key:", first.GetProperty("startedBy").GetString());

        // The stream: the current state first, one event per change, and it ends after the terminal one.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stream = await berth.Http.GetAsync($"{rollout}/events", HttpCompletionOption.ResponseHeadersRead, hang.Token);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(hang.Token));
        var events = new List<(long Id, JsonElement Data)>();
        long id = 0;
        while (await reader.ReadLineAsync(hang.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) Assert.Equal("event: operation", line);
            if (line.StartsWith("id: ", StringComparison.Ordinal)) id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add((id, JsonDocument.Parse(line[6..]).RootElement));
        }
        Assert.NotEmpty(events);
        Assert.True(events.First().Id >= first.GetProperty("version").GetInt64());
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
        var last = events[^1].Data;
        Assert.Equal("succeeded", last.GetProperty("state").GetString());
        Assert.Equal(last.GetProperty("total").GetInt32(), last.GetProperty("done").GetInt32());
        Assert.Contains("claimed containers stay on the older spec", last.GetProperty("message").GetString());

        // Resize to a minimum one held member leaves out of reach (max 2: one claimed, one idle), then cancel.
        using var bad = await berth.Http.PostAsJsonAsync($"/pools/{workload}/resize", new { minSize = 3, maxSize = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("maxSize", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        using var resize = await berth.Http.PostAsJsonAsync($"/pools/{workload}/resize", new { minSize = 2, maxSize = 2 });
        Assert.Equal(HttpStatusCode.Accepted, resize.StatusCode);
        var resizeAt = LocationOf(resize);
        var climbing = await Eventually.Until(() => OperationAsync(berth.Http, resizeAt), o => o.GetProperty("done").GetInt32() == 1, "one idle member toward two");
        Assert.Equal("running", climbing.GetProperty("state").GetString());
        Assert.Contains(JsonDocument.Parse(await berth.Http.GetStringAsync("/operations?state=running&kind=resize")).RootElement.EnumerateArray(),
            o => o.GetProperty("id").GetString() == climbing.GetProperty("id").GetString());
        using var cancel = await berth.Http.DeleteAsync(resizeAt);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await Eventually.Until(() => OperationAsync(berth.Http, resizeAt), o => o.GetProperty("state").GetString() == "cancelled", "the resize to be cancelled");
        Assert.Equal((1, 2), ((await berth.Api.PoolAsync(workload)).MinSize, (await berth.Api.PoolAsync(workload)).MaxSize));
        using var again = await berth.Http.DeleteAsync(resizeAt);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        // Finished operations stay listed (the index keeps the newest finished ones).
        Assert.Contains(JsonDocument.Parse(await berth.Http.GetStringAsync($"/operations?state=finished&target={workload}")).RootElement.EnumerateArray(),
            o => o.GetProperty("kind").GetString() == "rollout");
        await Eventually.Until(() => AuditAsync(berth.Http, "limit=1000"), entries => entries.Any(e => e.Action == "DELETE /operations/{id}" && e.Result == 202),
            "the cancel to be in the audit trail");
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Who may call what, over the gateway's real socket: every endpoint against every kind of caller.</summary>
[Collection(BerthClusterCollection.Name)]
public sealed class AuthorizationTests(BerthClusterFixture berth)
{
    private sealed record Caller(string Name, string? Bearer);

    private sealed record Call(string Method, string Path, string? Json = null, string? Yaml = null, string? Raw = null);

    private Task<string> CreateKeyAsync(string role, string? tenantId = null) => berth.Api.CreateKeyAsync(role, tenantId);

    private async Task<HttpStatusCode> SendAsync(Caller caller, Call call)
    {
        using var client = berth.Deployment.NewClient(null);
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
        if (caller.Bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.Bearer);
        if (call.Json is not null) request.Content = new StringContent(call.Json, Encoding.UTF8, "application/json");
        if (call.Yaml is not null) request.Content = new StringContent(call.Yaml, Encoding.UTF8, "application/yaml");
        if (call.Raw is not null) request.Content = new StringContent(call.Raw, Encoding.UTF8, "application/octet-stream");
        using var response = await client.SendAsync(request);
        var status = response.StatusCode;
        if ((int)status is 401 or 403)
        {
            // Denials are problems like every other error.
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        return status;
    }

    [DockerFact]
    public async Task Every_endpoint_answers_each_role_as_the_role_matrix_says()
    {
        var workload = Workloads.NewId("authz");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 3))).EnsureSuccessStatusCode();
        var alice = $"alice-{workload}";
        var bob = $"bob-{workload}";
        var callers = new[]
        {
            new Caller("anonymous", null),
            new Caller("admin", berth.Deployment.AdminKey),
            new Caller("operator", await CreateKeyAsync("operator")),
            new Caller("viewer", await CreateKeyAsync("viewer")),
            new Caller("alice", await CreateKeyAsync("tenant", alice)),
            new Caller("bob", await CreateKeyAsync("tenant", bob)),
            new Caller("alice-jwt", TestTokens.Mint("alice@example", "tenant", alice)),
            new Caller("viewer-jwt", TestTokens.Mint("auditor@example", "viewer")),
        };
        const string A = "admin", O = "operator", V = "viewer", T = "alice", J = "alice-jwt", VJ = "viewer-jwt";
        string[] staff = [A, O], readers = [A, O, V, VJ], tenantWriters = [A, O, T, J], tenantReaders = [A, O, V, VJ, T, J], everyone = [A, O, V, "bob", T, J, VJ];
        var spec = Workloads.Sleeper(workload, 0, 3);
        var matrix = new (Call Call, string[] Allowed)[]
        {
            (new("GET", "/workloads"), readers),
            (new("GET", $"/workloads/{workload}"), readers),
            (new("PUT", $"/workloads/{workload}", Yaml: spec), staff),
            (new("PUT", $"/workloads/{workload}?force=true", Yaml: spec), staff),
            (new("DELETE", "/workloads/no-such-workload"), staff),
            (new("GET", "/pools"), readers),
            (new("GET", $"/pools/{workload}"), readers),
            (new("GET", "/hosts/local"), readers),
            (new("GET", "/hosts"), readers),
            (new("POST", "/hosts", Json: """{"id":"matrix-host","endpoint":"tcp://127.0.0.1:1"}"""), [A]),
            (new("POST", "/hosts/no-such-host/cordon"), staff),
            (new("POST", "/hosts/no-such-host/uncordon"), staff),
            (new("POST", "/hosts/no-such-host/drain?evict=true"), staff),
            (new("DELETE", "/hosts/no-such-host"), [A]),
            // Host stacks and operator secrets: staff only; unknown host, stack or secret is a 404 past authorization.
            (new("GET", "/hosts/local/stacks"), staff),
            (new("GET", "/hosts/local/stacks/no-such-stack"), staff),
            (new("PUT", "/hosts/no-such-host/stacks/matrix", Yaml: "services:\n  web:\n    image: a:1\n"), staff),
            (new("DELETE", "/hosts/local/stacks/no-such-stack"), staff),
            (new("GET", "/secrets"), staff),
            (new("PUT", "/secrets/matrix-secret", Raw: "value"), staff),
            (new("DELETE", "/secrets/no-such-secret"), staff),
            (new("POST", $"/tenants/{alice}/claim", Json: $$"""{"workload":"{{workload}}"}"""), tenantWriters),
            (new("GET", $"/tenants/{alice}/status"), tenantReaders),
            (new("POST", $"/tenants/{alice}/sync", Json: $$"""{"workload":"{{workload}}"}"""), tenantWriters),
            (new("PUT", $"/tenants/{alice}/secrets/token", Raw: "value"), tenantWriters),
            (new("GET", $"/tenants/{alice}/secrets"), tenantReaders),
            (new("DELETE", $"/tenants/{alice}/secrets/token"), tenantWriters),
            (new("POST", $"/tenants/{alice}/release", Json: $$"""{"workload":"{{workload}}"}"""), tenantWriters),
            // No claim: 404 or 409 past authorization.
            (new("POST", $"/tenants/{alice}/pause"), tenantWriters),
            (new("POST", $"/tenants/{alice}/resume"), tenantWriters),
            (new("POST", $"/tenants/{alice}/stop"), tenantWriters),
            (new("POST", $"/tenants/{alice}/start"), tenantWriters),
            (new("POST", $"/tenants/{alice}/extend", Json: """{"ttl":"5m"}"""), tenantWriters),
            (new("POST", $"/tenants/{alice}/touch"), tenantWriters),
            (new("GET", $"/events?tenant={alice}&limit=5"), tenantReaders),
            (new("GET", "/operations?state=running"), readers),
            // Unknown operations and workload: 404 past authorization.
            (new("GET", "/operations/op-none-0"), readers),
            (new("GET", "/operations/op-none-0/events"), readers),
            (new("DELETE", "/operations/op-none-0"), staff),
            (new("POST", $"/pools/{workload}/resize", Json: """{"minSize":0,"maxSize":3}"""), staff),
            (new("POST", "/workloads/no-such-workload/provision", Json: """{"tenants":["x"]}"""), staff),
            (new("GET", "/webhooks"), staff),
            (new("POST", "/webhooks", Json: """{"url":"http://10.0.0.1/hook"}"""), staff),
            (new("GET", "/webhooks/wh_0000000000000000"), staff),
            (new("GET", "/webhooks/wh_0000000000000000/dead-letters"), staff),
            (new("DELETE", "/webhooks/wh_0000000000000000"), staff),
            // Reached but unclaimed: 404 past authorization. Viewers may not reach a tenant's app.
            (new("GET", $"/tenants/{alice}/ports/8080/"), tenantWriters),
            (new("POST", $"/tenants/{alice}/ports/8080/some/path", Raw: "body"), tenantWriters),
            (new("POST", $"/tenants/{alice}/ports/8080/links", Json: """{"ttl":"5m"}"""), tenantWriters),
            (new("POST", $"/tenants/{alice}/exec", Json: """{"command":["ls"]}"""), tenantWriters),
            (new("GET", $"/tenants/{alice}/exec/ws"), tenantWriters),
            (new("GET", $"/tenants/{alice}/logs?tail=10"), tenantReaders),
            (new("GET", $"/tenants/{alice}/files?path=/data/x"), tenantWriters),
            (new("PUT", $"/tenants/{alice}/files?path=/data/x", Raw: "content"), tenantWriters),
            (new("POST", $"/api/v1/tenants/{alice}/claim", Json: $$"""{"poolId":"{{workload}}"}"""), tenantWriters),
            (new("GET", $"/api/v1/tenants/{alice}/status"), tenantReaders),
            (new("POST", $"/api/v1/tenants/{alice}/release", Json: $$"""{"poolId":"{{workload}}"}"""), tenantWriters),
            (new("POST", $"/tenants/{alice}/release?force=true", Json: $$"""{"workload":"{{workload}}"}"""), [A]),
            (new("POST", $"/api/v1/tenants/{alice}/release", Json: $$"""{"poolId":"{{workload}}","sync":false}"""), [A]),
            (new("GET", "/auth/whoami"), everyone),
            (new("GET", "/auth/keys"), [A]),
            (new("POST", "/auth/keys", Json: """{"name":"matrix","role":"viewer"}"""), [A]),
            (new("DELETE", "/auth/keys/000000000000"), [A]),
            (new("GET", "/audit?limit=5"), [A]),
            (new("GET", "/audit/verify"), [A]),
            (new("GET", "/openapi/v1.json"), everyone),
            (new("GET", "/dashboard/"), staff),
            (new("GET", "/ui/"), staff),
            (new("GET", "/ui/operator.js"), staff),
            (new("GET", "/metrics"), staff),
            (new("GET", "/healthz"), [.. everyone, "anonymous"]),
            (new("GET", "/readyz"), [.. everyone, "anonymous"]),
        };

        var failures = new List<string>();
        foreach (var (call, allowed) in matrix)
        {
            foreach (var caller in callers)
            {
                var status = await SendAsync(caller, call);
                var expected = allowed.Contains(caller.Name) ? "allowed" : caller.Bearer is null ? "401" : "403";
                var ok = expected switch
                {
                    "allowed" => (int)status is not (401 or 403) && (int)status < 500,
                    "401" => status == HttpStatusCode.Unauthorized,
                    _ => status == HttpStatusCode.Forbidden,
                };
                if (!ok) failures.Add($"{call.Method} {call.Path} as {caller.Name}: {(int)status}, expected {expected}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [DockerFact]
    public async Task A_tenant_key_acts_for_its_own_tenant_and_no_other()
    {
        var workload = Workloads.NewId("scoped");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 3))).EnsureSuccessStatusCode();
        var own = $"own-{workload}";
        var other = $"other-{workload}";
        var key = await CreateKeyAsync("tenant", own);
        using var client = berth.Deployment.NewClient(key);
        var api = new BerthApi(client);

        var claim = await api.ClaimOkAsync(own, workload);
        using var foreign = await api.ClaimAsync(other, workload);
        using var foreignStatus = await client.GetAsync($"/tenants/{other}/status");
        using var foreignRelease = await api.ReleaseAsync(other, workload);

        Assert.NotNull(claim.ContainerId);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignStatus.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignRelease.StatusCode);
        Assert.Empty((await berth.Api.StatusAsync(other)).Claims);
        await api.ReleaseOkAsync(own, workload);
    }

    [DockerFact]
    public async Task Revoked_keys_bad_tokens_and_forged_keys_are_refused()
    {
        // A revoked key stops working (this gateway forgets it at once).
        using var created = await berth.Http.PostAsJsonAsync("/auth/keys", new { name = "short-lived", role = "viewer" });
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        var secret = body.GetProperty("secret").GetString()!;
        var id = body.GetProperty("key").GetProperty("id").GetString()!;
        using (var before = await berth.Deployment.NewClient(secret).GetAsync("/workloads")) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        using (var revoke = await berth.Http.DeleteAsync($"/auth/keys/{id}")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var after = await berth.Deployment.NewClient(secret).GetAsync("/workloads")) Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        // Listing never shows a secret or a hash.
        var listed = await berth.Http.GetStringAsync("/auth/keys");
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain("hash", listed, StringComparison.OrdinalIgnoreCase);

        string[] refused =
        [
            secret[..^2] + "xx",                                                  // forged secret of a real id
            "bk_000000000000_nothing",                                            // unknown id
            TestTokens.Mint("mallory", "admin", key: "another-signing-key-of-32-bytes-at-least"),
            TestTokens.Mint("mallory", "admin", issuer: "someone-else"),
            TestTokens.Mint("mallory", "admin", lifetime: TimeSpan.FromMinutes(-5)),
            TestTokens.Mint("mallory", "superuser"),
            "not-a-token",
        ];
        foreach (var credential in refused)
        {
            using var response = await berth.Deployment.NewClient(credential).GetAsync("/workloads");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{credential}: {(int)response.StatusCode}");
        }
    }

    [DockerFact]
    public async Task The_dashboard_takes_an_operator_key_as_a_browser_password()
    {
        var key = await CreateKeyAsync("operator");
        using var client = berth.Deployment.NewClient(null);
        using (var challenge = await client.GetAsync("/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
            Assert.Contains("Basic", challenge.Headers.WwwAuthenticate.ToString());
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"operator:{key}")));
        using var page = await client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

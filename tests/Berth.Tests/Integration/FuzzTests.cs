using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Configuration;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// Malformed ids, bodies, headers and YAML documents thrown at the gateway's real socket: every
/// answer is a 4xx (never a 5xx), and nothing is left running in Docker.
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20261124;

    private static readonly string[] Nasty =
    [
        "", " ", "..", "../..", "%2e%2e%2f", "%00", "a%00b", "\u0000", "é", "💥", "🙂🙂", "a b", "a/b", "a\\b", "-x", ".x", "_x",
        "A_B", "x;rm -rf /", "$(reboot)", "`id`", "'", "\"", "<script>", "{{x}}", "${tenantId}", "%", "%%", "%zz", "?", "#", "*",
        new string('a', 129), new string('b', 300), new string('c', 5000), "NUL", "con", "null", "true", "-1", "1e309", "0x10",
    ];

    private static readonly string[] Bodies =
    [
        "", "{", "}", "[]", "null", "true", "0", "\"x\"", "{\"workload\":5}", "{\"workload\":null}", "{\"workload\":\"\"}",
        "{\"poolId\":5}", "{\"poolId\":\"a\",\"workload\":\"b\"}", "{\"poolId\":\"../x\"}", "{\"sync\":\"no\"}",
        "{\"workload\":[\"a\"]}", "{\"workload\":{\"a\":1}}", "{\"workload\":\"UPPER_case\"}", "{\"workload\":\"../x\"}",
        "{\"workload\":\"" + new string('w', 70) + "\"}", "{\"workload\":\"a\",}", "{'workload':'a'}", "{\"workload\":\"a\"}{}",
        new string('[', 5000) + new string(']', 5000), "{\"a\":" + new string('{', 100), "\u00ff\u00fe", "\ud800",
        "{\"name\":\"x\",\"role\":\"god\"}", "{\"name\":\"\",\"role\":\"viewer\"}", "{\"name\":\"x\",\"role\":\"tenant\"}",
        "{\"name\":\"x\",\"role\":\"viewer\",\"tenantId\":\"a\"}",
    ];

    private static readonly string[] YamlDocuments =
    [
        "", "---", "--- \n---\n", "id: [", "id: {", "\t id: x", "id: x\nid: x", "? [a]\n: b", "!!binary aGk=", "&a x: *a",
        "a: &a [*a]", "lol: &l [a, a]\nlol2: &l2 [*l, *l]\nlol3: [*l2, *l2]", new string('[', 4000) + new string(']', 4000),
        string.Concat(Enumerable.Repeat("- ", 3000)) + "x", "id: x\nimage: y\npool: {min_size: 99999999999999999999}",
        "id: x\nimage: y\npool:\n  min_size: 5\n  max_size: 1", "id: x\nimage: y\nhealthcheck: {test: [], interval: -1s}",
        "id: x\nimage: y\nvolumes: {state: {target: ../../etc}}", "id: x\nimage: y\nsync: {mappings: [{path: /}]}",
        "id: x\nimage: y\nprivileged: true", "id: x\nimage: y\nports: [0, 65536, -1, abc]", "id: x\nimage: y\nenvironment: {'': x}",
        "id: x\nimage: y\ncommand: \"unterminated 'quote\"", "id: x\nimage: y\nuser: root;reboot", "%YAML 9.9\n---\nid: x",
    ];

    [DockerFact]
    public async Task A_thousand_malformed_requests_get_only_4xx_answers_and_leave_nothing_running()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Memory);
        await berth.StartAsync();
        var random = new Random(Seed);
        var requests = new List<Func<HttpRequestMessage>>();

        // Malformed ids in every path position (each invalid as a tenant, a workload and a secret name).
        foreach (var id in Nasty.Where(n => n.Length > 0 && !ResourceIds.IsValidTenantId(n) && !ResourceIds.IsValidWorkloadId(n) && !ResourceIds.IsValidSecretName(n)))
        {
            var e = Uri.EscapeDataString(id);
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/claim", "{\"workload\":\"web\"}"));
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/release", null));
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/sync", null));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/tenants/{e}/status"));
            foreach (var verb in new[] { "pause", "resume", "stop", "start", "touch" })
            {
                requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/{verb}", null));
            }
            requests.Add(() => Json(HttpMethod.Post, "/tenants/ok/extend", $"{{\"ttl\":\"{e}\"}}"));
            requests.Add(() => Json(HttpMethod.Post, "/tenants/ok/claim", $"{{\"workload\":\"web\",\"ttl\":\"{e}\"}}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/events?tenant={e}&since={e}&type={e}&limit={e}"));
            requests.Add(() => Json(HttpMethod.Post, "/webhooks", $"{{\"url\":\"{e}\"}}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/webhooks/{e}"));
            requests.Add(() => Json(HttpMethod.Post, $"/api/v1/tenants/{e}/claim", "{\"poolId\":\"web\"}"));
            requests.Add(() => Json(HttpMethod.Post, $"/api/v1/tenants/{e}/release", null));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/tenants/{e}/status"));
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/ok/claim", $"{{\"poolId\":\"{e}\"}}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Put, $"/tenants/{e}/secrets/{e}") { Content = new StringContent("v") });
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/tenants/ok/secrets/{e}"));
            requests.Add(() => Yaml($"/workloads/{e}", $"id: x\nimage: {DockerRequirement.TestImage}\n"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/workloads/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/workloads/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/workloads/{e}?purge=true&force=true"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/workloads/fuzz?purge={e}&force={e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/hosts/{e}/stacks"));
            requests.Add(() => Yaml($"/hosts/{e}/stacks/fuzz?diff=true", "services: {web: {image: x}}\n"));
            // Dot segments are resolved by the client (/hosts/local/stacks/.. is /hosts/local/).
            if (id is not ("." or ".."))
            {
                requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/hosts/local/stacks/{e}"));
                requests.Add(() => Yaml($"/hosts/local/stacks/{e}", "services: {web: {image: x}}\n"));
                requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/hosts/local/stacks/{e}"));
            }
            requests.Add(() => new HttpRequestMessage(HttpMethod.Put, $"/secrets/{e}") { Content = new StringContent("v") });
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/secrets/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/pools/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/hosts/{e}"));
            requests.Add(() => Json(HttpMethod.Post, $"/hosts/{e}/drain", null));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/operations/{e}"));
            // A dot segment would be resolved away by the client (/operations/../events is GET /events).
            if (id is not ("." or "..")) requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/operations/{e}/events"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/operations/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/operations?state={e}&kind={e}&target={e}&limit={e}"));
            requests.Add(() => Json(HttpMethod.Post, $"/pools/{e}/resize", "{\"minSize\":1}"));
            requests.Add(() => Json(HttpMethod.Post, $"/workloads/{e}/provision", "{\"tenants\":[\"t\"]}"));
            requests.Add(() => Json(HttpMethod.Post, "/workloads/fuzz/provision", $"{{\"tenants\":[\"{e}\"]}}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/tenants/{e}/ports/8080/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/tenants/ok/ports/{e}/"));
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/ports/8080/links", "{\"ttl\":\"5m\"}"));
            requests.Add(() => Json(HttpMethod.Post, $"/tenants/{e}/exec", "{\"command\":[\"ls\"]}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/tenants/{e}/logs?tail={e}&since={e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/tenants/ok/files?path={e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Put, $"/tenants/{e}/files?path=/x") { Content = new StringContent("v") });
            requests.Add(() => new HttpRequestMessage(HttpMethod.Delete, $"/auth/keys/{e}"));
            requests.Add(() => new HttpRequestMessage(HttpMethod.Get, $"/audit?principal={e}&since={e}&limit={e}"));
        }
        // Malformed bodies on every endpoint that reads one.
        foreach (var body in Bodies)
        {
            foreach (var path in new[] { "/tenants/fuzz/claim", "/tenants/fuzz/release", "/tenants/fuzz/release?force=true", "/tenants/fuzz/sync", "/auth/keys",
                "/api/v1/tenants/fuzz/claim", "/api/v1/tenants/fuzz/release", "/tenants/fuzz/exec", "/hosts", "/pools/fuzz/resize", "/workloads/fuzz/provision" })
            {
                requests.Add(() => Json(HttpMethod.Post, path, body));
            }
            requests.Add(() => new HttpRequestMessage(HttpMethod.Put, "/workloads/fuzz") { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            requests.Add(() => Json(HttpMethod.Put, "/hosts/local/stacks/fuzz?diff=true", body));
        }
        // Malformed YAML documents, and random mutations of a valid one, under an id they do not carry.
        var valid = $"id: fuzz-spec\nimage: {DockerRequirement.TestImage}\ncommand: [\"sleep\", \"1\"]\nports: [8080]\npool: {{min_size: 1, max_size: 2}}\nvolumes: {{state: {{target: /data}}}}\nsync: {{mappings: [{{path: /}}]}}\n";
        foreach (var doc in YamlDocuments) requests.Add(() => Yaml("/workloads/fuzz-other", doc));
        // Compose files for a host stack, only planned (?diff=true), under a stack name their own name: does not match.
        var compose = $"name: fuzz-compose\nservices:\n  web:\n    image: {DockerRequirement.TestImage}\n    ports: [\"127.0.0.1:18080:80\"]\n    environment: {{A: \"${{secret:nope}}\"}}\n    depends_on: {{db: {{condition: service_healthy}}}}\n  db:\n    image: {DockerRequirement.TestImage}\n    healthcheck: {{test: [\"CMD\", \"true\"], interval: 1s}}\n";
        foreach (var doc in YamlDocuments) requests.Add(() => Yaml("/hosts/local/stacks/fuzz-other?diff=true", doc));
        for (var i = 0; i < 100; i++)
        {
            var mutated = Mutate(compose, random);
            requests.Add(() => Yaml("/hosts/local/stacks/fuzz-other?diff=true", mutated));
        }
        for (var i = 0; i < 400; i++)
        {
            var mutated = Mutate(valid, random);
            requests.Add(() => Yaml("/workloads/fuzz-other", mutated));
        }
        // Malformed headers: credentials, content types, idempotency keys.
        string[] credentials = ["Bearer", "Bearer ", "Bearer bk_", "Bearer bk__", "Bearer bk_x_", "Basic ###", "Basic " + Convert.ToBase64String([0xff, 0xfe]),
            "Bearer " + new string('a', 5000), "Bearer e30.e30.e30", "Bearer a.b", "Digest x", "Bearer bk_" + new string('9', 190) + "_x"];
        foreach (var credential in credentials)
        {
            requests.Add(() =>
            {
                var r = new HttpRequestMessage(HttpMethod.Get, "/workloads");
                r.Headers.TryAddWithoutValidation("Authorization", credential);
                r.Options.Set(KeepAuth, true);
                return r;
            });
        }
        foreach (var contentType in new[] { "text/plain", "application/xml", "application/json; charset=ebcdic", "multipart/form-data", "*/*", "application/yaml; x=\"" })
        {
            requests.Add(() =>
            {
                var r = new HttpRequestMessage(HttpMethod.Put, "/workloads/fuzz") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("id: fuzz")) };
                r.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                return r;
            });
        }
        foreach (var key in new[] { new string('k', 129), "tab\tkey", "a b", "\u007f", "{}" })
        {
            requests.Add(() =>
            {
                var r = Json(HttpMethod.Post, "/tenants/fuzz/release", null);
                r.Headers.TryAddWithoutValidation("Idempotency-Key", key);
                return r;
            });
        }
        requests.Add(() =>
        {
            var r = Json(HttpMethod.Post, "/tenants/fuzz/claim", "{\"workload\":\"" + new string('x', 2 * 1024 * 1024) + "\"}");
            r.Headers.ExpectContinue = true;
            return r;
        });
        while (requests.Count < 1000) requests.Add(() => Yaml("/workloads/fuzz-other", Mutate(valid, random)));

        var answers = new List<string>();
        using var admin = berth.NewClient(berth.AdminKey);
        using var bare = berth.NewClient(null);
        foreach (var make in requests)
        {
            using var request = make();
            var client = request.Options.TryGetValue(KeepAuth, out _) ? bare : admin;
            using var response = await client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status is < 400 or >= 500)
            {
                answers.Add($"{request.Method} {request.RequestUri}: {status} {Truncate(await response.Content.ReadAsStringAsync())}");
            }
        }

        Assert.True(requests.Count >= 1000, $"only {requests.Count} requests");
        Assert.True(answers.Count == 0, $"{answers.Count} answers were not 4xx:\n{string.Join("\n", answers.Take(20))}");
        Assert.Empty(await berth.ListContainersAsync());
        using var health = await admin.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static readonly HttpRequestOptionsKey<bool> KeepAuth = new("fuzz-own-auth");

    private static HttpRequestMessage Json(HttpMethod method, string path, string? body) =>
        new(method, path) { Content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpRequestMessage Yaml(string path, string body) =>
        new(HttpMethod.Put, path) { Content = new StringContent(body, Encoding.UTF8, "application/yaml") };

    /// <summary>A few random edits: drop, duplicate or replace characters, or splice in a hostile token.</summary>
    private static string Mutate(string text, Random random)
    {
        string[] tokens = ["\n", "\t", ":", "- ", "[", "]", "{", "}", "&a ", "*a", "!!str ", "'", "\"", "#", "%", "\0", "\u00e9", "99999999999999999999", "-1", "..", "/"];
        var builder = new StringBuilder(text);
        for (var edits = random.Next(1, 6); edits > 0 && builder.Length > 0; edits--)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(4))
            {
                case 0: builder.Remove(at, Math.Min(random.Next(1, 8), builder.Length - at)); break;
                case 1: builder.Insert(at, builder.ToString(at, Math.Min(random.Next(1, 8), builder.Length - at))); break;
                case 2: builder[at] = (char)random.Next(32, 127); break;
                default: builder.Insert(at, tokens[random.Next(tokens.Length)]); break;
            }
        }
        return builder.ToString();
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

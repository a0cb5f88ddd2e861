using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Contracts;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>The HTTP API over a real socket: every bad input is a 4xx problem naming what is wrong.</summary>
[Collection(BerthClusterCollection.Name)]
public sealed class ApiContractTests(BerthClusterFixture berth)
{
    private HttpClient Http => berth.Http;

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
            Assert.Contains(field, fields);
        }
        return problem;
    }

    private Task<HttpResponseMessage> PutAsync(string id, string body, string contentType) =>
        Http.PutAsync($"/workloads/{id}", new StringContent(body, Encoding.UTF8, contentType));

    [DockerFact]
    public async Task Claiming_an_unknown_workload_is_404()
    {
        using var response = await berth.Api.ClaimAsync("someone", "no-such-workload");
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [DockerFact]
    public async Task Malformed_json_is_400()
    {
        using var response = await Http.PostAsync("/tenants/someone/claim", new StringContent("{\"workload\": ", Encoding.UTF8, "application/json"));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [DockerFact]
    public async Task Unknown_fields_in_a_claim_are_400_naming_the_field()
    {
        using var response = await Http.PostAsync("/tenants/someone/claim", JsonContent.Create(new { workload = "web", colour = "blue" }));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "colour");
    }

    [DockerFact]
    public async Task A_claim_without_a_workload_is_400()
    {
        using var response = await Http.PostAsync("/tenants/someone/claim", JsonContent.Create(new { }));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "workload");
    }

    [DockerTheory]
    [InlineData("-starts-with-dash")]
    [InlineData("has%20space")]
    [InlineData("semi;colon")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_tenant_id_outside_the_allowed_shape_is_400(string tenantId)
    {
        using var claim = await Http.PostAsync($"/tenants/{tenantId}/claim", JsonContent.Create(new { workload = "web" }));
        await AssertProblemAsync(claim, HttpStatusCode.BadRequest, "tenantId");
        using var status = await Http.GetAsync($"/tenants/{tenantId}/status");
        await AssertProblemAsync(status, HttpStatusCode.BadRequest, "tenantId");
    }

    [DockerFact]
    public async Task Malformed_yaml_is_400()
    {
        using var response = await PutAsync("bad-yaml", "id: [unclosed\nimage: x\n", "application/yaml");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("malformed YAML", problem.GetProperty("detail").GetString());
    }

    [DockerFact]
    public async Task Invalid_yaml_names_the_field_path()
    {
        using var response = await PutAsync("bad-pool", $"image: {DockerRequirement.TestImage}\npool:\n  min_size: 5\n  max_size: 2\n", "application/yaml");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "pool.max_size");
        Assert.Contains("pool.max_size: must be ≥ min_size", problem.GetProperty("detail").GetString());
    }

    [DockerFact]
    public async Task Unknown_fields_in_a_spec_are_400_naming_the_path()
    {
        using var response = await PutAsync("bad-field", $"image: {DockerRequirement.TestImage}\nhealthcheck:\n  test: true\n  intervall: 1s\n", "application/yaml");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "healthcheck.intervall");
    }

    [DockerFact]
    public async Task An_image_the_engine_does_not_have_is_422_and_registers_nothing()
    {
        using var response = await PutAsync("no-image", "image: berth-missing:never\n", "application/yaml");
        await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "image");
        using var get = await Http.GetAsync("/workloads/no-image");
        await AssertProblemAsync(get, HttpStatusCode.NotFound);
    }

    [DockerFact]
    public async Task An_unsupported_content_type_is_415()
    {
        using var response = await PutAsync("xml", "<workload/>", "application/xml");
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [DockerFact]
    public async Task A_bad_workload_id_in_the_url_is_400()
    {
        using var response = await PutAsync("Upper_Case", $"image: {DockerRequirement.TestImage}\n", "application/yaml");
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "id");
    }

    [DockerFact]
    public async Task A_release_repeating_its_idempotency_key_leaves_a_newer_claim_alone()
    {
        var id = Workloads.NewId("idem");
        (await berth.Api.PutWorkloadYamlAsync(id, Workloads.Sleeper(id, 0, 2))).EnsureSuccessStatusCode();
        var tenant = $"idem-{id}";
        await berth.Api.ClaimOkAsync(tenant, id);
        using (var first = await berth.Api.ReleaseAsync(tenant, id, "release-42"))
        {
            Assert.Equal(TenantClaimState.Released, (await BerthApi.ReadOkAsync<TenantClaimView>(first)).State);
        }
        var newer = await berth.Api.ClaimOkAsync(tenant, id);

        using var repeated = await berth.Api.ReleaseAsync(tenant, id, "release-42");
        var view = await BerthApi.ReadOkAsync<TenantClaimView>(repeated);

        Assert.Equal(TenantClaimState.Claimed, view.State);
        Assert.Equal(newer.ContainerId, view.ContainerId);
        using var bad = await berth.Api.ReleaseAsync(tenant, id, new string('k', 129));
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "Idempotency-Key");
        Assert.Equal(TenantClaimState.Released, (await berth.Api.ReleaseOkAsync(tenant, id)).State);
    }

    [DockerFact]
    public async Task A_release_naming_no_workload_while_holding_several_is_400()
    {
        var a = Workloads.NewId("multi-a");
        var b = Workloads.NewId("multi-b");
        (await berth.Api.PutWorkloadYamlAsync(a, Workloads.Sleeper(a, 0, 2))).EnsureSuccessStatusCode();
        (await berth.Api.PutWorkloadYamlAsync(b, Workloads.Sleeper(b, 0, 2))).EnsureSuccessStatusCode();
        var tenant = $"holder-{a}";
        await berth.Api.ClaimOkAsync(tenant, a);
        await berth.Api.ClaimOkAsync(tenant, b);

        using var ambiguous = await berth.Api.ReleaseAsync(tenant);
        await AssertProblemAsync(ambiguous, HttpStatusCode.BadRequest, "workload");

        Assert.Equal(TenantClaimState.Released, (await berth.Api.ReleaseOkAsync(tenant, a)).State);
        Assert.Equal(TenantClaimState.Released, (await berth.Api.ReleaseOkAsync(tenant, b)).State);
        using var nothingHeld = await berth.Api.ReleaseAsync($"never-claimed-{a}");
        await AssertProblemAsync(nothingHeld, HttpStatusCode.NotFound);
    }

    [DockerFact]
    public async Task Workloads_can_be_registered_in_json_listed_read_and_deleted_when_unclaimed()
    {
        var id = Workloads.NewId("crud");
        var json = JsonSerializer.Serialize(new
        {
            image = DockerRequirement.TestImage,
            command = new[] { "sleep", "3600" },
            pool = new Dictionary<string, int> { ["min_size"] = 1, ["max_size"] = 2 },
        });
        using (var created = await PutAsync(id, json, "application/json"))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using (var unchanged = await PutAsync(id, json, "application/json"))
        {
            Assert.Equal(HttpStatusCode.OK, unchanged.StatusCode);
        }
        var listed = await Http.GetFromJsonAsync<JsonElement>("/workloads");
        Assert.Contains(listed.EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        var one = await Http.GetFromJsonAsync<JsonElement>($"/workloads/{id}");
        Assert.Equal(DockerRequirement.TestImage, one.GetProperty("spec").GetProperty("image").GetString());

        await berth.Api.WaitForIdleAsync(id, 1);
        await berth.Api.ClaimOkAsync($"crud-tenant-{id}", id);
        using (var refused = await Http.DeleteAsync($"/workloads/{id}"))
        {
            await AssertProblemAsync(refused, HttpStatusCode.Conflict);
        }
        await berth.Api.ReleaseOkAsync($"crud-tenant-{id}");
        using (var deleted = await Http.DeleteAsync($"/workloads/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using (var gone = await Http.GetAsync($"/pools/{id}"))
        {
            await AssertProblemAsync(gone, HttpStatusCode.NotFound);
        }
        await Eventually.Until(async () => (await berth.ListContainersAsync(id)).Count, n => n == 0, "the deleted workload's containers to be removed");
    }

    [DockerFact]
    public async Task The_openapi_document_and_the_dashboard_are_served()
    {
        var openApi = await Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/tenants/{tenantId}/claim", paths);
        Assert.Contains("/workloads/{id}", paths);

        using var dashboard = await Http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Orleans Dashboard", await dashboard.Content.ReadAsStringAsync());
    }

    [DockerFact]
    public async Task An_unknown_host_is_404_and_the_local_host_reports_its_health()
    {
        using var unknown = await Http.GetAsync("/hosts/no-such-host");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound);
        using var badId = await Http.GetAsync("/hosts/Bad_Host");
        await AssertProblemAsync(badId, HttpStatusCode.BadRequest, "hostId");

        var local = await Http.GetFromJsonAsync<JsonElement>("/hosts/local");
        Assert.Equal("active", local.GetProperty("state").GetString());
        Assert.True(local.GetProperty("engine").GetProperty("healthy").GetBoolean());
    }

    [DockerFact]
    public async Task An_oversized_spec_is_413()
    {
        using var response = await PutAsync("too-big", "image: x\n# " + new string('x', 300 * 1024) + "\n", "application/yaml");
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [DockerFact]
    public async Task An_unknown_route_is_a_problem_not_an_empty_404()
    {
        using var response = await Http.GetAsync("/no/such/route");
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Limits that keep one caller from hurting the others: request rate per principal and body size.</summary>
public sealed class AbuseLimitTests
{
    [DockerFact]
    public async Task A_principal_over_its_rate_gets_429_while_others_are_served()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Memory, gatewayEnvironment: new Dictionary<string, string>
        {
            ["Gateway__RateLimit__PermitsPerSecond"] = "2",
            ["Gateway__RateLimit__Burst"] = "5",
        });
        await berth.StartAsync();
        var noisyKey = await berth.Api.CreateKeyAsync("viewer", name: "noisy");
        using var noisy = berth.NewClient(noisyKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            var response = await noisy.GetAsync("/workloads");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else response.Dispose();
        }

        Assert.True(limited is not null, $"never limited: {string.Join(", ", statuses)}");
        using (limited)
        {
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(limited.Headers.RetryAfter);
        }
        // Another principal has its own bucket, and health probes are never limited.
        using var other = berth.NewClient(berth.AdminKey);
        using (var served = await other.GetAsync("/workloads")) Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using (var health = await noisy.GetAsync("/healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [DockerFact]
    public async Task An_oversized_body_is_413_and_never_reaches_the_cluster()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Memory);
        await berth.StartAsync();
        var huge = new string('x', 2 * 1024 * 1024);

        // Expect: 100-continue, as curl sends for large bodies: the refusal comes before the body is sent.
        berth.Http.DefaultRequestHeaders.ExpectContinue = true;
        using var claim = await berth.Http.PostAsync("/tenants/big/claim", new StringContent($"{{\"workload\":\"{huge}\"}}", Encoding.UTF8, "application/json"));
        using var secret = await berth.Http.PutAsync("/tenants/big/secrets/s", new StringContent(new string('s', 70 * 1024)));
        using var spec = await berth.Http.PutAsync("/workloads/big", new StringContent("id: big\n#" + huge, Encoding.UTF8, "application/yaml"));
        berth.Http.DefaultRequestHeaders.ExpectContinue = false;

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, claim.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, secret.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, spec.StatusCode);
        Assert.Empty((await berth.Api.StatusAsync("big")).Claims);
    }
}

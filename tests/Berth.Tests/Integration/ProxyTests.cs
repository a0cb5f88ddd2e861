using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// The reverse proxy to a claimed container, over real sockets against the real engine: the web
/// test image answers HTTP and SSE on 8080 (busybox httpd) and WebSocket echo and a header echo
/// on 8081 (websocketd); nothing listens on 9999.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class ProxyTests(BerthClusterFixture berth)
{
    private static string WebSpec(string id) => $"""
        id: {id}
        image: {DockerRequirement.WebTestImage}
        ports: [8080, 8081, 9999]
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
          interval: 1s
          timeout: 1s
          retries: 30
        pool:
          min_size: 1
          max_size: 3
        """;

    private async Task<(string Workload, string Tenant)> ClaimWebAsync(string prefix)
    {
        var workload = Workloads.NewId(prefix);
        (await berth.Api.PutWorkloadYamlAsync(workload, WebSpec(workload))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        await berth.Api.ClaimOkAsync(tenant, workload);
        // The healthcheck asks port 8080; websocketd on 8081 starts right after and may not listen yet.
        await Eventually.Until(async () =>
        {
            using var response = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8081/echo");
            return response.StatusCode;
        }, status => status == HttpStatusCode.OK, "websocketd on port 8081 to answer");
        return (workload, tenant);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [DockerFact]
    public async Task Get_and_post_reach_the_container_with_berths_credential_stripped_and_forwarded_headers_set()
    {
        var (_, tenant) = await ClaimWebAsync("proxy-http");
        using var page = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("berth web test image", await page.Content.ReadAsStringAsync());
        // Proxied traffic is the tenant's activity (what an idle timeout reads).
        await Eventually.Until(() => berth.Api.StatusAsync(tenant), s => s.LastActivityAt is not null, "the proxied request to count as the tenant's activity");

        // The admin key came as Authorization: Bearer: it is Berth's, so the app never sees it.
        using var post = await berth.Http.PostAsync($"/tenants/{tenant}/ports/8081/echo?x=1&y=two", new StringContent("hello through berth", Encoding.UTF8, "text/plain"));
        var echoed = await post.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("berth-web", post.Headers.GetValues("X-Upstream").Single());
        Assert.Contains("method=POST", echoed);
        Assert.Contains("uri=/echo?x=1&y=two", echoed);
        Assert.EndsWith("body:\nhello through berth", echoed);
        Assert.DoesNotContain("HTTP_AUTHORIZATION", echoed);
        Assert.DoesNotContain(berth.Deployment.AdminKey, echoed);
        Assert.Contains("HTTP_X_FORWARDED_FOR=127.0.0.1", echoed);
        Assert.Contains("HTTP_X_FORWARDED_PROTO=http", echoed);
        Assert.Contains($"HTTP_X_FORWARDED_PREFIX=/tenants/{tenant}/ports/8081", echoed);
        Assert.Contains($"HTTP_X_FORWARDED_HOST=127.0.0.1:{berth.Deployment.HttpPort}", echoed);

        // With the key in X-Api-Key, an Authorization header of the app's own passes untouched.
        using var client = berth.Deployment.NewClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/tenants/{tenant}/ports/8081/echo");
        request.Headers.Add("X-Api-Key", berth.Deployment.AdminKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "the-apps-own-token");
        using var own = await client.SendAsync(request);
        var ownEcho = await own.Content.ReadAsStringAsync();
        Assert.Contains("HTTP_AUTHORIZATION=Bearer the-apps-own-token", ownEcho);
        Assert.DoesNotContain("HTTP_X_API_KEY", ownEcho);

        // The app's own 404 is its answer, not a Berth problem.
        using var missing = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotEqual("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        // Without a trailing slash, the port's root redirects to it (relative links then resolve inside the proxy).
        using var noFollow = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = berth.Http.BaseAddress };
        noFollow.DefaultRequestHeaders.Authorization = berth.Http.DefaultRequestHeaders.Authorization;
        using var bare = await noFollow.GetAsync($"/tenants/{tenant}/ports/8080");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, bare.StatusCode);
        Assert.EndsWith($"/tenants/{tenant}/ports/8080/", bare.Headers.Location!.ToString());
    }

    [DockerFact]
    public async Task A_websocket_echoes_through_the_gateway()
    {
        var (_, tenant) = await ClaimWebAsync("proxy-ws");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Api-Key", berth.Deployment.AdminKey);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{berth.Deployment.HttpPort}/tenants/{tenant}/ports/8081/"), timeout.Token);
        foreach (var message in new[] { "ping one", "second message" })
        {
            // websocketd runs cat: each message goes to its stdin as a line, and each line it prints comes back as a message.
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            var buffer = new byte[1024];
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, received.MessageType);
            Assert.Equal(message, Encoding.UTF8.GetString(buffer, 0, received.Count).TrimEnd('\n'));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [DockerFact]
    public async Task Server_sent_events_stream_through_the_gateway_as_they_are_written()
    {
        var (_, tenant) = await ClaimWebAsync("proxy-sse");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/cgi-bin/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        // The script writes "second" only once /tmp/go exists: reading "first" before asking for it proves nothing was buffered.
        Assert.Equal("data: first", await reader.ReadLineAsync(timeout.Token));
        using (var go = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/cgi-bin/go", timeout.Token)) go.EnsureSuccessStatusCode();
        Assert.Equal("", await reader.ReadLineAsync(timeout.Token));
        Assert.Equal("data: second", await reader.ReadLineAsync(timeout.Token));
    }

    [DockerFact]
    public async Task Another_tenants_key_is_refused_and_a_signed_link_works_until_it_expires()
    {
        var (_, tenant) = await ClaimWebAsync("proxy-auth");
        using var anonymous = berth.Deployment.NewClient(null);
        using (var none = await anonymous.GetAsync($"/tenants/{tenant}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            await ProblemAsync(none);
        }
        using (var own = berth.Deployment.NewClient(await berth.Api.CreateKeyAsync("tenant", tenant)))
        using (var mine = await own.GetAsync($"/tenants/{tenant}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }
        using (var other = berth.Deployment.NewClient(await berth.Api.CreateKeyAsync("tenant", $"other-{tenant}")))
        using (var foreign = await other.GetAsync($"/tenants/{tenant}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            await ProblemAsync(foreign);
        }

        using var linkResponse = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/ports/8080/links", new { ttl = "1h" });
        var link = await BerthApi.ReadOkAsync<LinkJson>(linkResponse);
        Assert.True(link.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50));
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies });
        using (var opened = await browser.GetAsync(link.Url))
        {
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
            Assert.Contains("berth web test image", await opened.Content.ReadAsStringAsync());
        }
        // The page's own requests carry no token: the cookie set by the link lets them through, on that port only.
        using (var asset = await browser.GetAsync($"http://127.0.0.1:{berth.Deployment.HttpPort}/tenants/{tenant}/ports/8080/index.html"))
        {
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }
        using (var otherPort = await anonymous.GetAsync($"/tenants/{tenant}/ports/8081/echo?berth_link={link.Token}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, otherPort.StatusCode);
            Assert.Contains("another tenant or port", (await ProblemAsync(otherPort)).GetProperty("detail").GetString());
        }
        // The link reaches the proxy and nothing else of the API.
        using (var api = await anonymous.GetAsync($"/tenants/{tenant}/status?berth_link={link.Token}"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        }

        using var shortResponse = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/ports/8080/links", new { ttl = "1s" });
        var shortLink = await BerthApi.ReadOkAsync<LinkJson>(shortResponse);
        var refused = await Eventually.Until(async () =>
        {
            using var attempt = await anonymous.GetAsync(shortLink.Url);
            return (attempt.StatusCode, attempt.StatusCode == HttpStatusCode.Unauthorized ? (await ProblemAsync(attempt)).GetProperty("detail").GetString() : null);
        }, r => r.StatusCode == HttpStatusCode.Unauthorized, "the one-second link to expire");
        Assert.Contains("expired", refused.Item2);

        using var badTtl = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/ports/8080/links", new { ttl = "soon" });
        Assert.Equal(HttpStatusCode.BadRequest, badTtl.StatusCode);
        Assert.Equal("ttl", (await ProblemAsync(badTtl)).GetProperty("field").GetString());
    }

    [DockerFact]
    public async Task Host_based_routing_gives_the_app_the_root_path()
    {
        var (_, tenant) = await ClaimWebAsync("proxy-host");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo?from=host");
        request.Headers.Host = $"8081-{tenant}.{BerthClusterFixture.ProxyDomain}";
        using var response = await berth.Http.SendAsync(request);
        var echoed = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("uri=/echo?from=host", echoed);
        Assert.DoesNotContain("HTTP_X_FORWARDED_PREFIX", echoed);
        Assert.Contains($"HTTP_X_FORWARDED_HOST=8081-{tenant}.{BerthClusterFixture.ProxyDomain}", echoed);

        // Another host name is the API, as before.
        using var api = await berth.Http.GetAsync("/echo");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }

    private sealed record LinkJson(string Url, string Token, DateTimeOffset ExpiresAt);

    [DockerFact]
    public async Task No_claim_an_undeclared_port_and_a_port_with_no_listener_are_problems_that_say_why()
    {
        var (workload, tenant) = await ClaimWebAsync("proxy-errors");
        using (var unclaimed = await berth.Http.GetAsync($"/tenants/nobody-{workload}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unclaimed.StatusCode);
            Assert.Equal("tenantId", (await ProblemAsync(unclaimed)).GetProperty("field").GetString());
        }
        using (var undeclared = await berth.Http.GetAsync($"/tenants/{tenant}/ports/7000/"))
        {
            Assert.Equal(HttpStatusCode.NotFound, undeclared.StatusCode);
            var problem = await ProblemAsync(undeclared);
            Assert.Equal("port", problem.GetProperty("field").GetString());
            Assert.Contains("8080/tcp", problem.GetProperty("detail").GetString());
        }
        using (var refused = await berth.Http.GetAsync($"/tenants/{tenant}/ports/9999/"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            var detail = (await ProblemAsync(refused)).GetProperty("detail").GetString();
            Assert.Contains($"workload '{workload}'", detail);
            Assert.Contains("claim claimed", detail);
        }
        await berth.Api.ReleaseOkAsync(tenant, workload);
        using (var released = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.Conflict, released.StatusCode);
            Assert.Contains("released", (await ProblemAsync(released)).GetProperty("detail").GetString());
        }
    }
}

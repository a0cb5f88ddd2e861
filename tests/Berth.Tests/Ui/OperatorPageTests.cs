using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Tests.Support;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Berth.Tests.Ui;

/// <summary>
/// The operator page (<c>/ui/</c>) in a real headless chromium, against the shared deployment
/// (real silo, gateway and Docker engine): what it shows is what the API says, and who may open it.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class OperatorPageTests(BerthClusterFixture berth, ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    // A bound on a hung page, not a speed assertion: the page refreshes every 5 s.
    private static readonly LocatorAssertionsToHaveTextOptions Patiently = new() { Timeout = 60_000 };

    private string PageUrl => $"http://127.0.0.1:{berth.Deployment.HttpPort}/ui/";

    private Task<IBrowserContext> NewContextAsync(string? key) => chromium.Browser.NewContextAsync(new BrowserNewContextOptions
    {
        // The browser's own sign-in: it answers the page's Basic challenge with the key as password.
        HttpCredentials = key is null ? null : new HttpCredentials { Username = "operator", Password = key },
        ViewportSize = new ViewportSize { Width = 1400, Height = 1200 },
    });

    [ChromiumDockerFact]
    public async Task The_page_shows_a_pool_the_test_created_with_its_counts_hosts_tenants_events_and_claim_latency()
    {
        var workload = Integration.Workloads.NewId("ui");
        (await berth.Api.PutWorkloadYamlAsync(workload, Integration.Workloads.Sleeper(workload, 2, 4))).EnsureSuccessStatusCode();
        var first = $"{workload}-a";
        var second = $"{workload}-b";
        try
        {
            await berth.Api.ClaimOkAsync(first, workload);
            var pool = await Eventually.Until(() => berth.Api.PoolAsync(workload),
                p => p is { Idle: 2, Claimed: 1, Creating: 0, Destroying: 0 }, $"pool {workload} refilled after one claim");
            using var operations = await berth.Http.GetAsync("/operations?state=running");

            await using var context = await NewContextAsync(await berth.Api.CreateKeyAsync("operator", name: "ui test operator"));
            var page = await context.NewPageAsync();
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add($"page error: {error}");
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) problems.Add($"CSP: {message.Text}");
            };

            var response = await page.GotoAsync(PageUrl);
            Assert.NotNull(response);
            Assert.Equal(200, response.Status);
            var csp = await response.HeaderValueAsync("content-security-policy");
            Assert.Contains("script-src 'self'", csp);
            Assert.DoesNotContain("unsafe-inline", csp);

            // The pool as the API reported it, row by row.
            var row = page.Locator($"#pools tr[data-workload='{workload}']");
            await Expect(row.Locator("td.idle")).ToHaveTextAsync(pool.Idle.ToString(), Patiently);
            await Expect(row.Locator("td.claimed")).ToHaveTextAsync("1", Patiently);
            await Expect(row.Locator("td.creating")).ToHaveTextAsync("0", Patiently);
            await Expect(row.Locator("td.size")).ToHaveTextAsync("2 / 4", Patiently);
            await Expect(page.Locator("#whoami")).ToContainTextAsync("(operator)", new() { Timeout = 60_000 });

            // The local engine, with its state and egress.
            var host = page.Locator("#hosts tr[data-host='local']");
            await Expect(host.Locator("td.state")).ToHaveTextAsync("active", Patiently);
            await Expect(host.Locator("td.egress")).Not.ToBeEmptyAsync(new() { Timeout = 60_000 });

            // The claim is among the recent events, and the tenant it names opens its status.
            await Expect(page.Locator("#events tbody")).ToContainTextAsync(first, new() { Timeout = 60_000 });
            await page.FillAsync("#tenant-id", first);
            await page.ClickAsync("#tenant-search button[type='submit']");
            var claim = page.Locator($"#tenant-result table[data-tenant='{first}'] tr[data-workload='{workload}']");
            await Expect(claim.Locator("td.state")).ToHaveTextAsync("claimed", Patiently);

            // The operations panel reads the real /operations (its rows are the next test's).
            Assert.Equal(HttpStatusCode.OK, operations.StatusCode);
            await page.WaitForFunctionAsync("() => Number(document.body.dataset.refreshes || 0) >= 1", null, new() { Timeout = 60_000 });
            Assert.DoesNotContain("unavailable", await page.Locator("#operations .status").TextContentAsync() ?? "");

            // A claim made while the page is open is a point on the latency chart, and counts in the totals.
            await page.WaitForFunctionAsync("() => Number(document.body.dataset.refreshes || 0) >= 1", null, new() { Timeout = 60_000 });
            await berth.Api.ClaimOkAsync(second, workload);
            await Expect(page.Locator("#latency-chart circle.point-p50").First).ToBeAttachedAsync(new() { Timeout = 60_000 });
            await Expect(page.Locator("#latency-latest")).ToContainTextAsync("claim", new() { Timeout = 60_000 });
            await Expect(page.Locator("#latency-total")).ToContainTextAsync("Since this gateway started:", new() { Timeout = 60_000 });
            await Expect(row.Locator("td.claimed")).ToHaveTextAsync("2", Patiently);

            var screenshot = Path.Combine(berth.Deployment.WorkDirectory, "operator-page.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"operator page screenshot: {screenshot}");
            Assert.Empty(problems);
        }
        finally
        {
            await berth.Api.ReleaseAsync(first, workload);
            await berth.Api.ReleaseAsync(second, workload);
            await berth.Http.DeleteAsync($"/workloads/{workload}");
        }
    }

    [ChromiumDockerFact]
    public async Task A_running_operation_is_listed_with_its_progress_and_its_cancel_button_cancels_it()
    {
        // A resize the pool cannot finish (max 2: one member held, one idle, toward a minimum of two idle) stays running.
        var workload = Integration.Workloads.NewId("uiop");
        (await berth.Api.PutWorkloadYamlAsync(workload, Integration.Workloads.Sleeper(workload, 1, 2))).EnsureSuccessStatusCode();
        var holder = $"{workload}-held";
        await berth.Api.ClaimOkAsync(holder, workload);
        await Eventually.Until(() => berth.Api.PoolAsync(workload), p => p is { Idle: 1, Claimed: 1, Creating: 0 }, $"pool {workload} refilled after one claim");
        using var resize = await berth.Http.PostAsync($"/pools/{workload}/resize",
            new StringContent("""{"minSize":2,"maxSize":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, resize.StatusCode);
        var operationId = System.Text.Json.JsonDocument.Parse(await resize.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        try
        {
            await using var context = await NewContextAsync(await berth.Api.CreateKeyAsync("operator", name: "ui operations operator"));
            var page = await context.NewPageAsync();
            page.Dialog += (_, dialog) => dialog.AcceptAsync();
            await page.GotoAsync(PageUrl);

            var row = page.Locator($"#operations tr[data-operation='{operationId}']");
            await Expect(row).ToContainTextAsync("resize", new() { Timeout = 60_000 });
            await Expect(row).ToContainTextAsync(workload);
            await Expect(row).ToContainTextAsync("1 / 2", new() { Timeout = 60_000 });
            await Expect(row.Locator("td.state")).ToHaveTextAsync("running");
            await Expect(page.Locator("#operations .status")).ToBeEmptyAsync();
            var screenshot = Path.Combine(berth.Deployment.WorkDirectory, "operator-page-operation.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");

            await row.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Eventually.Until(async () => System.Text.Json.JsonDocument.Parse(await berth.Http.GetStringAsync($"/operations/{operationId}")).RootElement.GetProperty("state").GetString(),
                state => state == "cancelled", "the page's cancel to cancel the resize");
            // Cancelled: the earlier sizes are back, and the panel of running operations lets it go.
            await Expect(row).ToHaveCountAsync(0, new() { Timeout = 60_000 });
            Assert.Equal(1, (await berth.Api.PoolAsync(workload)).MinSize);
        }
        finally
        {
            await berth.Api.ReleaseOkAsync(holder, workload);
        }
    }

    [ChromiumDockerFact]
    public async Task A_tenant_or_viewer_key_is_refused_and_no_key_is_asked_for_one()
    {
        foreach (var key in new[] { await berth.Api.CreateKeyAsync("tenant", "ui-refused"), await berth.Api.CreateKeyAsync("viewer") })
        {
            await using var context = await NewContextAsync(key);
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync(PageUrl);
            Assert.NotNull(response);
            Assert.Equal(403, response.Status);
            Assert.Equal(0, await page.Locator("#pools").CountAsync());
        }

        // Without a key the browser is asked for one (a Basic challenge); with none to give, the page does not open.
        await using (var anonymous = await NewContextAsync(null))
        {
            var page = await anonymous.NewPageAsync();
            var refused = await Assert.ThrowsAsync<PlaywrightException>(() => page.GotoAsync(PageUrl));
            Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message);
        }
        using var client = berth.Deployment.NewClient(null);
        using var challenge = await client.GetAsync("/ui/");
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.StartsWith("Basic", challenge.Headers.WwwAuthenticate.ToString());
    }

    [ChromiumDockerFact]
    public async Task A_browser_password_counts_only_on_the_pages_and_the_page_s_own_calls()
    {
        var key = await berth.Api.CreateKeyAsync("operator", name: "ui basic");
        using var client = berth.Deployment.NewClient(null);
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"operator:{key}")));

        // What a cross-site form or WebSocket would carry: the browser's password, no page header.
        using (var forged = new HttpRequestMessage(HttpMethod.Get, "/pools") { Headers = { Authorization = basic } })
        using (var refused = await client.SendAsync(forged))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.StartsWith("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }
        using (var pageCall = new HttpRequestMessage(HttpMethod.Get, "/pools") { Headers = { Authorization = basic } })
        {
            pageCall.Headers.Add("X-Berth-Ui", "1");
            using var answered = await client.SendAsync(pageCall);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        using (var challenge = new HttpRequestMessage(HttpMethod.Get, "/pools"))
        {
            challenge.Headers.Add("X-Berth-Ui", "1");
            using var asked = await client.SendAsync(challenge);
            Assert.Equal(HttpStatusCode.Unauthorized, asked.StatusCode);
            Assert.StartsWith("Basic", asked.Headers.WwwAuthenticate.ToString());
        }
    }
}

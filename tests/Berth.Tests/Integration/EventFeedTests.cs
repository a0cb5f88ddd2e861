using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;
using Berth.Webhooks;

namespace Berth.Tests.Integration;

/// <summary>
/// Events and webhooks over real HTTP against real processes on SQLite. Events come from a host
/// that never answers ("ghost", registered once the webhooks are): the registry turns it down a
/// few seconds after its registration, which publishes host_down; a second one after the restart.
/// </summary>
public sealed class EventFeedTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static BerthDeployment NewDeployment() => new(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
    {
        ["Berth__HostDownAfter"] = "00:00:03",
        // The receivers listen on loopback: an administrator's allowance, as the README describes.
        ["Berth__Webhooks__AllowPrivateTargets__0"] = "127.0.0.0/8",
        ["Berth__Webhooks__PollInterval"] = "00:00:00.200",
        ["Berth__Webhooks__InitialBackoff"] = "00:00:00.100",
        ["Berth__Webhooks__MaxAttempts"] = "2",
    });

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> FieldOf(HttpResponseMessage response, HttpStatusCode expected) =>
        (await JsonOf(response, expected)).GetProperty("field").GetString()!;

    [DockerFact]
    public async Task Host_down_is_stored_listed_streamed_and_delivered_signed_and_survives_a_silo_restart()
    {
        using var receiver = new WebhookReceiver();
        using var failing = new WebhookReceiver { Status = 500 };
        await using var berth = NewDeployment();
        await berth.StartAsync();

        // Bad input is a 400 naming the field; a private target the settings do not allow names url.
        Assert.Equal("url", await FieldOf(await berth.Http.PostAsJsonAsync("/webhooks", new { url = "http://10.1.2.3/hook" }), HttpStatusCode.BadRequest));
        Assert.Equal("url", await FieldOf(await berth.Http.PostAsJsonAsync("/webhooks", new { url = "gopher://example.com/" }), HttpStatusCode.BadRequest));
        Assert.Equal("events", await FieldOf(await berth.Http.PostAsJsonAsync("/webhooks", new { url = receiver.Url, events = new[] { "nope" } }), HttpStatusCode.BadRequest));
        Assert.Equal("since", await FieldOf(await berth.Http.GetAsync("/events?since=abc"), HttpStatusCode.BadRequest));
        Assert.Equal("limit", await FieldOf(await berth.Http.GetAsync("/events?limit=0"), HttpStatusCode.BadRequest));
        Assert.Equal("type", await FieldOf(await berth.Http.GetAsync("/events?type=claimed,bogus"), HttpStatusCode.BadRequest));
        Assert.Equal("webhookId", await FieldOf(await berth.Http.GetAsync("/webhooks/nope"), HttpStatusCode.BadRequest));

        // Idempotent create: the same key twice is one webhook.
        HttpRequestMessage Create(string url, string key) => new(HttpMethod.Post, "/webhooks")
        {
            Content = JsonContent.Create(new { url, events = new[] { "host_down" } }),
            Headers = { { "Idempotency-Key", key } },
        };
        var created = await JsonOf(await berth.Http.SendAsync(Create(receiver.Url, "hook-1")), HttpStatusCode.Created);
        var again = await JsonOf(await berth.Http.SendAsync(Create(receiver.Url, "hook-1")), HttpStatusCode.Created);
        var id = created.GetProperty("webhook").GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.Equal(id, again.GetProperty("webhook").GetProperty("id").GetString());
        var broken = (await JsonOf(await berth.Http.SendAsync(Create(failing.Url, "hook-2")), HttpStatusCode.Created)).GetProperty("webhook").GetProperty("id").GetString()!;
        var listed = await JsonOf(await berth.Http.GetAsync("/webhooks"), HttpStatusCode.OK);
        Assert.Equal(2, listed.GetArrayLength());
        Assert.DoesNotContain("whsec_", listed.ToString());

        // Only staff manage webhooks; a tenant key reads its own tenant's events only.
        using (var viewer = berth.NewClient(await berth.Api.CreateKeyAsync("viewer")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/webhooks")).StatusCode);
        }
        using var tenant = berth.NewClient(await berth.Api.CreateKeyAsync("tenant", "alice"));
        Assert.Equal("tenant", await FieldOf(await tenant.GetAsync("/events?tenant=bob"), HttpStatusCode.Forbidden));

        // The ghost host turns down a few seconds from now.
        (await berth.Http.PostAsJsonAsync("/hosts", new { id = "ghost", endpoint = "unix:///nonexistent/berth-ghost.sock" })).EnsureSuccessStatusCode();

        // The stream, from the start of the log.
        using var stream = await berth.Http.GetAsync("/events/stream?since=0&type=host_down", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var lines = new StreamReader(await stream.Content.ReadAsStreamAsync());

        // Stored, listed, delivered, streamed.
        var events = await Eventually.Until(async () => await JsonOf(await berth.Http.GetAsync("/events?type=host_down"), HttpStatusCode.OK),
            e => e.GetArrayLength() > 0, "the ghost host to be reported down");
        var first = events[0];
        Assert.Equal(("host_down", "ghost"), (first.GetProperty("type").GetString(), first.GetProperty("hostId").GetString()));
        var sequence = first.GetProperty("sequence").GetInt64();
        Assert.Equal(0, (await JsonOf(await tenant.GetAsync("/events"), HttpStatusCode.OK)).GetArrayLength());

        await Eventually.Until(() => !receiver.Deliveries.IsEmpty, "the host_down event to reach the webhook");
        var delivery = receiver.Deliveries.First();
        Assert.Equal(sequence.ToString(), delivery.Headers[WebhookSender.EventIdHeader]);
        Assert.True(WebhookSignature.Verify(delivery.Headers[WebhookSignature.Header], secret, Encoding.UTF8.GetBytes(delivery.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.Equal(first.ToString(), JsonDocument.Parse(delivery.Body).RootElement.ToString());

        var streamed = new List<string>();
        using (var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (!streamed.Contains("event: host_down") && await lines.ReadLineAsync(readTimeout.Token) is { } line) streamed.Add(line);
        }
        Assert.Contains($"id: {sequence}", streamed);

        var letters = await Eventually.Until(async () => await JsonOf(await berth.Http.GetAsync($"/webhooks/{broken}/dead-letters"), HttpStatusCode.OK),
            l => l.GetArrayLength() > 0, "a dead letter for the failing receiver");
        Assert.Equal((2, 500), (letters[0].GetProperty("attempts").GetInt32(), letters[0].GetProperty("lastStatus").GetInt32()));

        // A graceful restart keeps the log and the webhooks; the dispatcher wakes by itself and goes on.
        await berth.StopSiloAsync(0);
        berth.StartSilo(0);
        await berth.WaitUntilReadyAsync();
        (await berth.Http.PostAsJsonAsync("/hosts", new { id = "ghost2", endpoint = "unix:///nonexistent/berth-ghost2.sock" })).EnsureSuccessStatusCode();
        var kept = await Eventually.Until(async () => await JsonOf(await berth.Http.GetAsync("/events?since=0&type=host_down"), HttpStatusCode.OK),
            e => e.GetArrayLength() >= 2, "a second ghost host to be reported down after the restart");
        Assert.Equal(sequence, kept[0].GetProperty("sequence").GetInt64());
        Assert.Equal(first.ToString(), kept[0].ToString());
        var later = kept[kept.GetArrayLength() - 1].GetProperty("sequence").GetInt64();
        await Eventually.Until(() => receiver.Deliveries.Any(d => d.Headers[WebhookSender.EventIdHeader] == later.ToString()), "the new event to reach the webhook");
        Assert.Equal(id, (await JsonOf(await berth.Http.GetAsync($"/webhooks/{id}"), HttpStatusCode.OK)).GetProperty("id").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await berth.Http.DeleteAsync($"/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await berth.Http.DeleteAsync($"/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await berth.Http.GetAsync($"/webhooks/{id}")).StatusCode);
    }
}

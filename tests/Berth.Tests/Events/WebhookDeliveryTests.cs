using System.Text;
using System.Text.Json;
using Berth.Contracts;
using Berth.Errors;
using Berth.Events;
using Berth.Grains;
using Berth.Tests.Support;
using Berth.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Events;

/// <summary>The feed and the webhook dispatcher in an in-memory cluster, with events published the way grains publish them.</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class WebhookDeliveryTests(InMemoryClusterFixture fixture)
{
    private IBerthEventPublisher Publisher => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IBerthEventPublisher>();

    private IWebhookDispatcherGrain Dispatcher => fixture.Client.GetGrain<IWebhookDispatcherGrain>(0);

    private static string NewTenant() => $"wh-{Guid.NewGuid():N}"[..16];

    [Fact]
    public async Task Signed_events_reach_a_webhook_in_order_filtered_and_a_failing_receiver_fills_its_dead_letters()
    {
        using var ok = new WebhookReceiver();
        using var failing = new WebhookReceiver { Status = 500 };
        var tenant = NewTenant();
        var created = await Dispatcher.Create(new WebhookRequest(ok.Url, [BerthEventType.Claimed, BerthEventType.Released], tenant, null), $"op-{tenant}-a", "test");
        var broken = await Dispatcher.Create(new WebhookRequest(failing.Url, [], tenant, null), $"op-{tenant}-b", "test");
        try
        {
            // Idempotent: the same key gives the same webhook and secret; the same key for another request is refused.
            var again = await Dispatcher.Create(new WebhookRequest(ok.Url, [BerthEventType.Released, BerthEventType.Claimed], tenant, null), $"op-{tenant}-a", "test");
            Assert.Equal((created.Webhook.Id, created.Secret), (again.Webhook.Id, again.Secret));
            var misuse = await Assert.ThrowsAsync<BerthException>(() => Dispatcher.Create(new WebhookRequest(failing.Url, [], tenant, null), $"op-{tenant}-a", "test"));
            Assert.Equal("Idempotency-Key", misuse.Field);
            Assert.StartsWith("whsec_", created.Secret);
            Assert.Equal(["claimed", "released"], created.Webhook.Events.Order());

            Publisher.Publish(BerthEvents.Draft(BerthEventType.Claimed, tenant, "web", reason: null, source: ClaimSource.Warm, hostId: "mem"));
            Publisher.Publish(BerthEvents.Draft(BerthEventType.Paused, tenant, "web"));
            Publisher.Publish(BerthEvents.Draft(BerthEventType.Claimed, NewTenant(), "web"));
            Publisher.Publish(BerthEvents.Draft(BerthEventType.Released, tenant, "web"));

            await Eventually.Until(() => ok.Deliveries.Count >= 2, "the claimed and released events to reach the webhook");
            var deliveries = ok.Deliveries.ToArray();
            Assert.Equal(2, deliveries.Length);
            var bodies = deliveries.Select(d => JsonDocument.Parse(d.Body).RootElement).ToArray();
            Assert.Equal(["claimed", "released"], bodies.Select(b => b.GetProperty("type").GetString()));
            Assert.All(bodies, b => Assert.Equal(tenant, b.GetProperty("tenantId").GetString()));
            Assert.Equal("warm", bodies[0].GetProperty("source").GetString());
            var sequences = deliveries.Select(d => long.Parse(d.Headers[WebhookSender.EventIdHeader])).ToArray();
            Assert.True(sequences[0] < sequences[1]);
            Assert.Equal(sequences, bodies.Select(b => b.GetProperty("sequence").GetInt64()));
            Assert.All(deliveries, d =>
            {
                Assert.Equal(created.Webhook.Id, d.Headers[WebhookSender.WebhookIdHeader]);
                Assert.True(WebhookSignature.Verify(d.Headers[WebhookSignature.Header], created.Secret, Encoding.UTF8.GetBytes(d.Body), DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)),
                    d.Headers[WebhookSignature.Header]);
            });

            // Three attempts each (the fixture's MaxAttempts), then dead letters, in order, with the receiver's status.
            var letters = (await Eventually.Until(() => Dispatcher.DeadLetters(broken.Webhook.Id), l => l is { Length: 3 }, "three dead letters"))!;
            Assert.Equal(["claimed", "paused", "released"], letters.Select(l => l.EventType));
            Assert.All(letters, l => Assert.Equal((3, 500), (l.Attempts, l.LastStatus)));
            Assert.Contains("HTTP 500", letters[0].LastError);
            Assert.Equal(9, failing.Deliveries.Count);
            var view = await Dispatcher.Get(broken.Webhook.Id);
            Assert.Equal((3, letters[^1].EventSequence), (view!.DeadLetters, view.Cursor));

            // Redelivery, asked twice, is queued once; once the receiver recovers the letter is gone.
            failing.Status = 200;
            await Dispatcher.Redeliver(broken.Webhook.Id, letters[0].Id);
            Assert.NotNull((await Dispatcher.Redeliver(broken.Webhook.Id, letters[0].Id)).RedeliveryRequestedAt);
            await Eventually.Until(() => Dispatcher.DeadLetters(broken.Webhook.Id), l => l is { Length: 2 }, "the redelivered letter to go");
            Assert.Equal(10, failing.Deliveries.Count);
            var unknown = await Assert.ThrowsAsync<BerthException>(() => Dispatcher.Redeliver(broken.Webhook.Id, 999));
            Assert.Equal(BerthErrorKind.NotFound, unknown.Kind);
        }
        finally
        {
            await Dispatcher.Delete(created.Webhook.Id);
            await Dispatcher.Delete(broken.Webhook.Id);
        }
        Assert.Null(await Dispatcher.Get(created.Webhook.Id));
        Assert.False(await Dispatcher.Delete(created.Webhook.Id));
    }

    [Theory]
    [InlineData("http://10.0.0.1/hook", "10.0.0.0/8")]
    [InlineData("http://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("file:///etc/passwd", "http or https")]
    public async Task A_target_the_settings_do_not_allow_is_refused_naming_url(string url, string because)
    {
        var refused = await Assert.ThrowsAsync<BerthException>(() => Dispatcher.Create(new WebhookRequest(url, [], null, null), Guid.NewGuid().ToString("N"), "test"));
        Assert.Equal((BerthErrorKind.InvalidInput, "url"), (refused.Kind, refused.Field));
        Assert.Contains(because, refused.Message);
    }

    [Fact]
    public async Task The_feed_filters_and_its_long_poll_returns_as_soon_as_a_matching_event_arrives()
    {
        var tenant = NewTenant();
        var feed = fixture.Client.GetGrain<IEventFeedGrain>(0);
        var start = await feed.Latest();
        Publisher.Publish(BerthEvents.Draft(BerthEventType.Claimed, tenant, "web"));
        Publisher.Publish(BerthEvents.Draft(BerthEventType.Stopped, tenant, "web"));
        var found = await Eventually.Until(() => feed.Query(new EventQuery(tenant, Since: start)), e => e.Length == 2, "both events in the feed");
        Assert.Equal([BerthEventType.Claimed, BerthEventType.Stopped], found.Select(e => e.Type));
        Assert.Equal([BerthEventType.Stopped], (await feed.Query(new EventQuery(tenant, Types: [BerthEventType.Stopped], Since: start))).Select(e => e.Type));

        // Nothing new: the wait runs out empty.
        Assert.Empty(await feed.Wait(new EventQuery(tenant, Since: found[^1].Sequence), TimeSpan.FromMilliseconds(200)));

        // A wait that is already under way gets the next matching event (an unrelated one does not end it).
        var waiting = feed.Wait(new EventQuery(tenant, Since: found[^1].Sequence), TimeSpan.FromSeconds(15));
        await Task.Delay(200);
        Publisher.Publish(BerthEvents.Draft(BerthEventType.Claimed, NewTenant(), "web"));
        Publisher.Publish(BerthEvents.Draft(BerthEventType.Released, tenant, "web"));
        var next = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([BerthEventType.Released], next.Select(e => e.Type));
    }
}

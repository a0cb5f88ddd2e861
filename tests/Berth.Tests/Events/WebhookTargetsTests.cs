using System.Net;
using Berth.Webhooks;

namespace Berth.Tests.Events;

public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData(null, "required")]
    [InlineData("ftp://example.com/hook", "http or https")]
    [InlineData("/relative", "http or https")]
    [InlineData("https://user:pw@example.com/hook", "credentials")]
    [InlineData("https://example.com/hook#x", "fragment")]
    public void Only_plain_http_and_https_urls_are_targets(string? url, string because) =>
        Assert.Contains(because, WebhookTargets.InvalidUrl(url, out _));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.17.0.1")]
    [InlineData("192.168.1.10")]
    [InlineData("100.64.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Private_loopback_link_local_and_metadata_addresses_are_refused_by_default(string address) =>
        Assert.NotNull(new WebhookTargets([]).Refusal(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("2606:4700::1111")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(new WebhookTargets([]).Refusal(IPAddress.Parse(address)));

    [Fact]
    public void An_administrator_allows_chosen_ranges_but_never_the_metadata_address()
    {
        var targets = new WebhookTargets(["127.0.0.0/8", "10.9.9.9", "169.254.0.0/16"]);
        Assert.Null(targets.Refusal(IPAddress.Parse("127.0.0.1")));
        Assert.Null(targets.Refusal(IPAddress.Parse("10.9.9.9")));
        Assert.NotNull(targets.Refusal(IPAddress.Parse("10.9.9.10")));
        Assert.NotNull(targets.Refusal(IPAddress.Parse("169.254.169.254")));
        Assert.Throws<InvalidOperationException>(() => new WebhookTargets(["not-a-range"]));
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_refused_address_is_refused_when_checked()
    {
        // localhost resolves locally (no network): loopback, refused by default, allowed once allowed.
        Assert.Contains("Berth:Webhooks:AllowPrivateTargets", await new WebhookTargets([]).CheckAsync("http://localhost:9/hook", CancellationToken.None));
        Assert.Contains("in 10.0.0.0/8", await new WebhookTargets([]).CheckAsync("http://10.0.0.5/hook", CancellationToken.None));
        Assert.Null(await new WebhookTargets(["127.0.0.0/8", "::1/128"]).CheckAsync("http://localhost:9/hook", CancellationToken.None));
    }
}

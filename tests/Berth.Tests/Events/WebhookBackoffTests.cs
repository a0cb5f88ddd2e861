using Berth.Webhooks;

namespace Berth.Tests.Events;

public sealed class WebhookBackoffTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(7, 320)]
    [InlineData(8, 600)]
    [InlineData(1000, 600)]
    public void Each_failure_doubles_the_wait_up_to_the_cap(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), WebhookBackoff.After(failures, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)));
}

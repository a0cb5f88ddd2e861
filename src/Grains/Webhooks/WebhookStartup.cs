using Berth.Configuration;
using Berth.Grains;
using Microsoft.Extensions.Options;

namespace Berth.Webhooks;

/// <summary>
/// Wakes the webhook dispatcher once the silo is up: with in-memory reminders (the single-node
/// default) nothing else would bring it back after a restart. In the background, bounded.
/// </summary>
public sealed class WebhookStartup(IGrainFactory grains, IOptions<BerthOptions> options, ILogger<WebhookStartup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(WebhookStartup), ServiceLifecycleStage.Active, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        // An agent silo hosts no dispatcher, and the control plane's silos wake it themselves.
        if (options.Value.Agent is null) _ = Task.Run(() => WakeAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    private Task OnStop(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task WakeAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 30 && !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await grains.GetGrain<IWebhookDispatcherGrain>(0).Wake();
                return;
            }
            catch (Exception ex)
            {
                if (attempt == 30) logger.LogError("The webhook dispatcher could not be woken: {Error}", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => { });
            }
        }
    }
}

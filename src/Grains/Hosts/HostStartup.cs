using Berth.Configuration;
using Berth.Contracts;
using Berth.Grains;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Hosts;

/// <summary>
/// Once the silo is up, registers the hosts it knows: an agent silo its own host (kind agent),
/// another silo those of its configuration. In the background, retried while the registry cannot
/// be reached, so a silo never waits on it to start.
/// </summary>
public sealed class HostStartup(IGrainFactory grains, IOptions<BerthOptions> options, ILogger<HostStartup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(HostStartup), ServiceLifecycleStage.Active, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        _ = Task.Run(() => RegisterAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    private Task OnStop(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public static HostRegistration RegistrationOf(DockerHostOptions host, bool agent) => new()
    {
        HostId = host.Id,
        Kind = agent ? HostKind.Agent : HostKind.Remote,
        Endpoint = agent ? null : host.Endpoint,
        PublishAddress = host.PublishAddress,
        Labels = new Dictionary<string, string>(host.Labels, StringComparer.Ordinal),
        MaxContainers = host.MaxContainers,
        MemoryBytes = host.Memory is { Length: > 0 } memory && ByteSizeParser.TryParse(memory, out var bytes) ? bytes : null,
        TlsClientCertificate = host.TlsClientCertificate,
        TlsClientKey = host.TlsClientKey,
        TlsCaCertificate = host.TlsCaCertificate,
        Source = agent ? "agent" : "configuration",
    };

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var agent = options.Value.Agent is { HostId.Length: > 0 };
        foreach (var host in options.Value.EffectiveHosts)
        {
            // Bounded: about ten minutes of tries, then the failure is logged and left to the operator.
            for (var attempt = 1; attempt <= 300 && !cancellationToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    // Inside the try: an agent silo hosts no registry, and until the cluster's manifest reaches
                    // it, it does not know where the registry's interface is implemented (GetGrain throws).
                    await grains.GetGrain<IHostRegistryGrain>(0).Register(RegistrationOf(host, agent));
                    if (attempt > 1) logger.LogInformation("Host {Host} registered after {Attempt} attempts", host.Id, attempt);
                    break;
                }
                catch (Exception ex) when (attempt < 300)
                {
                    if (attempt <= 3 || attempt % 30 == 0) logger.LogWarning("Registering host {Host} failed (attempt {Attempt}), retrying: {Error}", host.Id, attempt, ex.Message);
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ContinueWith(_ => { });
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Host {Host} could not be registered; register it with POST /hosts", host.Id);
                }
            }
        }
    }
}

using Microsoft.Extensions.Options;

namespace Berth.Gateway;

/// <summary>Keeps retrying the first connection, so the gateway may start before the silo.</summary>
public sealed class ConnectRetryFilter(IOptions<GatewayOptions> options, ILogger<ConnectRetryFilter> logger) : IClientConnectionRetryFilter
{
    private readonly DateTimeOffset _giveUpAt = DateTimeOffset.UtcNow + options.Value.ConnectTimeout;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (DateTimeOffset.UtcNow > _giveUpAt)
        {
            logger.LogError(exception, "No silo answered within {Timeout}; giving up", options.Value.ConnectTimeout);
            return false;
        }
        logger.LogInformation("Waiting for a silo: {Message}", exception.Message);
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        return true;
    }
}

using Berth.Contracts;
using Berth.Grains;
using Berth.Security;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Security;

/// <summary>
/// Makes sure an admin can get in: registers <c>Auth:BootstrapAdminKey</c> when configured, and
/// otherwise, when the cluster has no key at all, generates one, writes it to
/// <c>Auth:BootstrapKeyFile</c> (mode 0600) and prints it once.
/// </summary>
public sealed class BootstrapAdminKey(IClusterClient cluster, IOptions<AuthOptions> options, ILogger<BootstrapAdminKey> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The cluster may still be starting: keep trying, a little slower each time.
        for (var delay = TimeSpan.FromMilliseconds(200); !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                await RegisterAsync();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(ex, "Bootstrap admin key not registered yet; retrying");
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    private async Task RegisterAsync()
    {
        var configured = options.Value.BootstrapAdminKey;
        var registry = cluster.GetGrain<IApiKeyRegistryGrain>(0);
        if (!string.IsNullOrEmpty(configured))
        {
            var id = ApiKeyFormat.IdOf(configured) ?? throw new InvalidOperationException("Auth:BootstrapAdminKey must look like bk_{id}_{secret}");
            await registry.RegisterBootstrap(Registration(id, configured), configured: true);
            return;
        }
        var (newId, key) = ApiKeyFormat.Generate();
        if (!await registry.RegisterBootstrap(Registration(newId, key), configured: false))
        {
            // Keys exist already: the admin has one. Say so, for whoever looks for the file in vain.
            logger.LogInformation("API keys exist already, so no bootstrap key was generated (the first one was written to {Path}); " +
                "to regain admin access, set Auth__BootstrapAdminKey to a new bk_{{id}}_{{secret}} key", Path.GetFullPath(options.Value.BootstrapKeyFile));
            return;
        }
        var path = Path.GetFullPath(options.Value.BootstrapKeyFile);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, key + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // Shown once, on the console only (not the structured log), and kept in the file.
        Console.WriteLine($"berth: generated the bootstrap admin API key; it is shown only now and kept in {path}:");
        Console.WriteLine($"berth:   {key}");
        logger.LogWarning("Generated the bootstrap admin API key {KeyId}; written to {Path}", newId, path);
    }

    private static ApiKeyRegistration Registration(string id, string key) => new()
    {
        Key = new ApiKeyView { Id = id, Name = "bootstrap admin", Role = BerthRoles.Admin, CreatedAt = DateTimeOffset.UtcNow, CreatedBy = "bootstrap" },
        SecretHash = ApiKeyFormat.Hash(key),
    };
}

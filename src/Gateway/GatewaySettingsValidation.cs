using Berth.Gateway.Endpoints;
using Berth.Gateway.Proxy;
using Berth.Gateway.Security;

namespace Berth.Gateway;

/// <summary>
/// The gateway's settings checked once at start (<c>ValidateOnStart</c>): a bad value stops the
/// start with the setting's name rather than surfacing as odd behaviour on some later request.
/// </summary>
public static class GatewaySettingsValidation
{
    public static IServiceCollection ValidateGatewaySettings(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ServiceId), "Gateway:ServiceId must not be empty")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClusterId), "Gateway:ClusterId must not be empty")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero, Positive("Gateway:ConnectTimeout"))
            .Validate(o => o.CallTimeout > TimeSpan.Zero, Positive("Gateway:CallTimeout"))
            .Validate(o => o.RetryBudget >= TimeSpan.Zero, "Gateway:RetryBudget must not be negative")
            .Validate(o => o.MaxRequestBodyBytes > 0, "Gateway:MaxRequestBodyBytes must be at least 1")
            .Validate(o => o.MaxSpecBytes > 0, "Gateway:MaxSpecBytes must be at least 1")
            .Validate(o => o.RateLimit.PermitsPerSecond > 0, "Gateway:RateLimit:PermitsPerSecond must be at least 1")
            .Validate(o => o.RateLimit.Burst > 0, "Gateway:RateLimit:Burst must be at least 1")
            .Validate(o => o.SiloGatewayPorts.All(p => p is > 0 and <= 65535), "Gateway:SiloGatewayPorts must be ports (1-65535)")
            .ValidateOnStart();
        services.AddOptions<ProxyOptions>()
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero, Positive("Gateway:Proxy:ConnectTimeout"))
            .Validate(o => o.IdleTimeout > TimeSpan.Zero, Positive("Gateway:Proxy:IdleTimeout"))
            .Validate(o => o.MaxRequestBodyBytes > 0, "Gateway:Proxy:MaxRequestBodyBytes must be at least 1")
            .Validate(o => o.MaxLinkTtl > TimeSpan.Zero, Positive("Gateway:Proxy:MaxLinkTtl"))
            .Validate(o => o.DefaultLinkTtl > TimeSpan.Zero && o.DefaultLinkTtl <= o.MaxLinkTtl,
                "Gateway:Proxy:DefaultLinkTtl must be positive and at most Gateway:Proxy:MaxLinkTtl")
            .Validate(o => o.PermitsPerSecond > 0, "Gateway:Proxy:PermitsPerSecond must be at least 1")
            .Validate(o => o.Burst > 0, "Gateway:Proxy:Burst must be at least 1")
            .Validate(o => o.Domain is not { Length: > 0 } domain || Uri.CheckHostName(domain.Trim('.')) == UriHostNameType.Dns,
                "Gateway:Proxy:Domain must be a DNS name (proxy.example.com)")
            .ValidateOnStart();
        services.AddOptions<ContainerAccessOptions>()
            .Validate(o => o.ExecTimeout > TimeSpan.Zero && o.ExecTimeout <= o.MaxExecTimeout,
                "Gateway:Access:ExecTimeout must be positive and at most Gateway:Access:MaxExecTimeout")
            .Validate(o => o.MaxExecOutputBytes > 0, "Gateway:Access:MaxExecOutputBytes must be at least 1")
            .Validate(o => o.MaxFileBytes > 0, "Gateway:Access:MaxFileBytes must be at least 1")
            .ValidateOnStart();
        services.AddOptions<AuthOptions>()
            .Validate(o => o.KeyCacheDuration >= TimeSpan.Zero, "Auth:KeyCacheDuration must not be negative")
            // Registered in the background once a silo answers: checked here so a typo stops the start instead.
            .Validate(o => o.BootstrapAdminKey is not { Length: > 0 } key || ApiKeyFormat.IdOf(key) is not null,
                "Auth:BootstrapAdminKey must look like bk_{id}_{secret}")
            .Validate(o => !string.IsNullOrWhiteSpace(o.BootstrapKeyFile), "Auth:BootstrapKeyFile must not be empty")
            .Validate(o => !o.Jwt.Enabled || !string.IsNullOrWhiteSpace(o.Jwt.RoleClaim), "Auth:Jwt:RoleClaim must not be empty when JWTs are accepted")
            .ValidateOnStart();
        return services;
    }

    private static string Positive(string setting) => $"{setting} must be a positive duration";
}

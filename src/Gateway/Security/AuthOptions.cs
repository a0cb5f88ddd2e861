namespace Berth.Gateway.Security;

/// <summary>Authentication settings (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>An admin key (<c>bk_{id}_{secret}</c>) registered at start; when empty, one is generated on first start.</summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>Where a generated bootstrap key is written (mode 0600), relative to the working directory.</summary>
    public string BootstrapKeyFile { get; set; } = ".berth/admin.key";

    /// <summary>How long a checked key is trusted before the registry is asked again (bounds how late a revocation bites).</summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    public JwtAuthOptions Jwt { get; set; } = new();
}

/// <summary>JWT bearer tokens (HS256) from an identity provider the operator trusts.</summary>
public sealed class JwtAuthOptions
{
    public string? Issuer { get; set; }
    public string? Audience { get; set; }

    /// <summary>The symmetric signing key, at least 32 bytes; tokens are accepted only when it is set.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim naming the role (admin, operator, viewer, tenant).</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim naming the tenant id of a tenant-scoped token.</summary>
    public string TenantClaim { get; set; } = "tenant";

    public bool Enabled => !string.IsNullOrEmpty(SigningKey);
}

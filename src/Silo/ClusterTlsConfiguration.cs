// Compiled into the silo AND the gateway: Berth.Gateway.csproj links this file (the two hosts share
// no project but Berth.Abstractions, which must stay free of the Orleans runtime). Keep it free of
// anything that only one of them has.
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Berth.Configuration;

/// <summary>
/// Mutual TLS between Berth's processes, from <see cref="ClusterTlsOptions"/>: silo to silo and
/// gateway to silo. Each side presents its certificate and accepts the peer only if the peer's
/// certificate chains to the cluster's CA. See docs/cluster-tls.md.
/// </summary>
internal static class ClusterTlsConfiguration
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Silo to silo (in and out) and the silo's gateway listener, when TLS is on.</summary>
    public static ISiloBuilder UseBerthClusterTls(this ISiloBuilder silo, IConfiguration configuration, DatabaseProvider provider)
    {
        var tls = Load(configuration, provider, server: true);
        silo.Services.AddSingleton<IHostedService>(services => new StartupReport(services.GetRequiredService<ILoggerFactory>(), tls));
        if (tls.Material is { } material) silo.UseTls(material.Certificate, options => Configure(options, material));
        return silo;
    }

    /// <summary>The gateway's connections to the silos, when TLS is on.</summary>
    public static IClientBuilder UseBerthClusterTls(this IClientBuilder client, IConfiguration configuration, DatabaseProvider provider)
    {
        var tls = Load(configuration, provider, server: false);
        client.Services.AddSingleton<IHostedService>(services => new StartupReport(services.GetRequiredService<ILoggerFactory>(), tls));
        if (tls.Material is { } material) client.UseTls(material.Certificate, options => Configure(options, material));
        return client;
    }

    private static void Configure(TlsOptions options, Material material)
    {
        // Both directions: a silo demands a certificate of whoever connects (silo or gateway), and
        // every process presents its own when it connects.
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // A private CA publishes no revocation lists; rotating the CA is how a key is withdrawn.
        options.CheckCertificateRevocation = false;
        options.HandshakeTimeout = material.HandshakeTimeout;
        options.RemoteCertificateValidation = (certificate, _, _) => ChainsToClusterCa(certificate, material.Authorities);
        // Always present the certificate when connecting, whatever CA names the other side lists.
        options.LocalClientCertificateSelector = (_, _, _, _, _) => material.Certificate;
    }

    /// <summary>
    /// The whole acceptance rule for a peer: its certificate chains, within its validity, to one of
    /// the cluster's CA certificates, and to nothing else (the system store is not consulted).
    /// The policy errors SslStream computed are ignored on purpose: they come from the system store
    /// and from a host-name check, and host names are not the point here: silos reach each other
    /// and are reached by the gateway by IP address, and every holder of a cluster certificate is a
    /// cluster member. Whoever has a certificate of the cluster's CA is trusted; nobody else is.
    /// </summary>
    internal static bool ChainsToClusterCa(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    /// <summary>What the settings amount to: certificates (TLS on) or none (off), and what to log at start.</summary>
    internal static Resolved Load(IConfiguration configuration, DatabaseProvider provider, bool server)
    {
        var options = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        var multiHost = provider == DatabaseProvider.Postgres;
        switch (options.ParsedMode)
        {
            case ClusterTlsMode.Off:
                return multiHost
                    ? new Resolved(null, LogLevel.Warning,
                        $"CLUSTER TLS IS OFF ({ClusterTlsOptions.EnvironmentPrefix}Mode=off) with Database__Provider=Postgres: "
                        + "silo-to-silo and gateway-to-silo traffic is plaintext and unauthenticated; anyone who reaches the silo "
                        + "and gateway ports can call every grain. Development only; see docs/cluster-tls.md.")
                    : new Resolved(null, LogLevel.Information, $"Cluster TLS off ({ClusterTlsOptions.EnvironmentPrefix}Mode=off)");
            case ClusterTlsMode.Auto when !multiHost && !options.AnyCertificateConfigured:
                return new Resolved(null, LogLevel.Information,
                    $"Cluster TLS off: {provider} runs one silo on localhost and no {ClusterTlsOptions.EnvironmentPrefix}* certificate is configured");
        }

        var why = options.ParsedMode == ClusterTlsMode.Required
            ? $"required by {ClusterTlsOptions.EnvironmentPrefix}Mode=required"
            : multiHost
                ? "required by Database__Provider=Postgres: silos on several hosts"
                : "certificates are configured";
        var missing = new List<string>();
        var hasCertificate = ClusterTlsOptions.Present(options.CertificatePem) || ClusterTlsOptions.Present(options.Certificate);
        if (!hasCertificate) missing.Add($"{ClusterTlsOptions.EnvironmentPrefix}Certificate (or {ClusterTlsOptions.EnvironmentPrefix}CertificatePem)");
        if (!ClusterTlsOptions.Present(options.CaPem) && !ClusterTlsOptions.Present(options.Ca))
        {
            missing.Add($"{ClusterTlsOptions.EnvironmentPrefix}Ca (or {ClusterTlsOptions.EnvironmentPrefix}CaPem)");
        }
        if (missing.Count > 0)
        {
            throw Fail($"Cluster TLS is on ({why}) but {string.Join(" and ", missing)} {(missing.Count > 1 ? "are" : "is")} not set. "
                + "Give every silo and the gateway a certificate of the cluster's CA (docs/cluster-tls.md)"
                + (multiHost && options.ParsedMode == ClusterTlsMode.Auto
                    ? $", or, for development only, set {ClusterTlsOptions.EnvironmentPrefix}Mode=off."
                    : "."));
        }

        if (options.HandshakeTimeout <= TimeSpan.Zero)
        {
            throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}HandshakeTimeout must be a positive duration (is {options.HandshakeTimeout})");
        }
        var certificate = LoadCertificate(options);
        var authorities = LoadAuthorities(options);
        CheckUsage(certificate, server);
        var material = new Material(certificate, authorities, options.HandshakeTimeout);
        var chainsToCa = ChainsToClusterCa(certificate, authorities);
        var summary = $"Cluster TLS on ({why}): presenting {certificate.Subject} (thumbprint {certificate.Thumbprint}, valid until {certificate.NotAfter:u}); "
            + $"accepting only peers whose certificate chains to {string.Join(", ", authorities.Select(a => a.Subject))}";
        return chainsToCa
            ? new Resolved(material, LogLevel.Information, summary)
            : new Resolved(material, LogLevel.Warning, summary
                + $". THIS PROCESS'S OWN CERTIFICATE DOES NOT CHAIN TO {ClusterTlsOptions.EnvironmentPrefix}Ca (another CA, or expired): every peer will refuse it.");
    }

    private static X509Certificate2 LoadCertificate(ClusterTlsOptions options)
    {
        string certificatePem;
        if (ClusterTlsOptions.Present(options.CertificatePem))
        {
            certificatePem = options.CertificatePem!;
        }
        else
        {
            var bytes = ReadFile(options.Certificate!, "Certificate");
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            if (!text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                // Not PEM: a PFX / PKCS#12 bundle of certificate and key.
                X509Certificate2 pfx;
                try
                {
                    pfx = X509CertificateLoader.LoadPkcs12(bytes, options.Password, X509KeyStorageFlags.Exportable);
                }
                catch (System.Security.Cryptography.CryptographicException ex)
                {
                    throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Certificate ({options.Certificate}) is neither PEM nor a PFX "
                        + $"readable with {ClusterTlsOptions.EnvironmentPrefix}Password: {ex.Message}");
                }
                return pfx.HasPrivateKey ? pfx : throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Certificate ({options.Certificate}) holds no private key");
            }
            certificatePem = text;
        }

        string keyPem;
        if (ClusterTlsOptions.Present(options.KeyPem)) keyPem = options.KeyPem!;
        else if (ClusterTlsOptions.Present(options.Key)) keyPem = System.Text.Encoding.UTF8.GetString(ReadFile(options.Key!, "Key"));
        else if (certificatePem.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) keyPem = certificatePem; // one file with both
        else throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Key (or {ClusterTlsOptions.EnvironmentPrefix}KeyPem) is not set: a PEM certificate needs its private key");

        try
        {
            using var pem = ClusterTlsOptions.Present(options.Password)
                ? X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, options.Password)
                : X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // Through PKCS#12, so that the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Certificate and {ClusterTlsOptions.EnvironmentPrefix}Key could not be read as a PEM certificate and its key: {ex.Message}");
        }
    }

    private static X509Certificate2Collection LoadAuthorities(ClusterTlsOptions options)
    {
        var pem = ClusterTlsOptions.Present(options.CaPem)
            ? options.CaPem!
            : System.Text.Encoding.UTF8.GetString(ReadFile(options.Ca!, "Ca"));
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Ca could not be read as PEM certificates: {ex.Message}");
        }
        return authorities.Count > 0 ? authorities : throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Ca holds no PEM certificate");
    }

    /// <summary>Silos accept and open connections (serverAuth and clientAuth); the gateway only opens them (clientAuth).</summary>
    private static void CheckUsage(X509Certificate2 certificate, bool server)
    {
        var usage = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (usage is null) return; // No EKU extension: any use is allowed.
        var oids = usage.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToHashSet();
        var needed = server ? new[] { ServerAuthOid, ClientAuthOid } : [ClientAuthOid];
        if (!needed.All(oids.Contains))
        {
            throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}Certificate ({certificate.Subject}) is not allowed for "
                + (server ? "both TLS server and client authentication (extendedKeyUsage serverAuth, clientAuth), which a silo needs" : "TLS client authentication (extendedKeyUsage clientAuth)"));
        }
    }

    private static byte[] ReadFile(string path, string setting)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Fail($"{ClusterTlsOptions.EnvironmentPrefix}{setting}: cannot read '{path}': {ex.Message}");
        }
    }

    private static InvalidOperationException Fail(string message) => new(message);

    internal sealed record Material(X509Certificate2 Certificate, X509Certificate2Collection Authorities, TimeSpan HandshakeTimeout);

    internal sealed record Resolved(Material? Material, LogLevel Level, string Message);

    /// <summary>
    /// Says whether cluster traffic is encrypted, loudly when it should be and is not. In
    /// <c>StartingAsync</c>, which runs before any hosted service starts: before the silo joins or
    /// the client connects, so the line is there even when that fails.
    /// </summary>
    private sealed class StartupReport(ILoggerFactory loggers, Resolved tls) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken)
        {
#pragma warning disable CA2254 // The message is built from settings, not user input.
            loggers.CreateLogger("Berth.ClusterTls").Log(tls.Level, tls.Message);
#pragma warning restore CA2254
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

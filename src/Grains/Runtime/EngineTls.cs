using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Docker.DotNet.X509;

namespace Berth.Runtime;

/// <summary>
/// Mutual TLS to a remote Docker engine: Berth presents its client certificate, and accepts the
/// engine only if its certificate names the host it dialled and chains to the configured CA.
/// </summary>
public static class EngineTls
{
    public static CertificateCredentials Credentials(string hostId, string certificatePath, string? keyPath, string? caPath)
    {
        if (string.IsNullOrEmpty(keyPath))
        {
            throw new InvalidOperationException($"Berth:Hosts ({hostId}): TlsClientCertificate needs TlsClientKey");
        }
        // Loaded from PEM, then round-tripped through PKCS#12: TLS on Linux needs a key it can hand to OpenSSL.
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var ca = string.IsNullOrEmpty(caPath) ? null : X509CertificateLoader.LoadCertificateFromFile(caPath);
        return new CertificateCredentials(client)
        {
            ServerCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, ca),
        };
    }

    private static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        if (ca is null)
        {
            return errors == SslPolicyErrors.None;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        return chain.Build(presented);
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Tests.Support;

/// <summary>
/// A throwaway cluster CA and one certificate it signs, usable for both TLS server and client
/// authentication (what a silo needs; the gateway uses the same one), as PEM files in
/// <c>directory</c>: what docs/cluster-tls.md makes with openssl.
/// </summary>
public sealed class ClusterCertificates
{
    public ClusterCertificates(string directory, string name = "berth-test-cluster")
    {
        Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name}-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        // The CA outlives what it signs: the leaf is issued inside its validity, from one clock reading.
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}-node", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // serverAuth, clientAuth
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        CaPem = ca.ExportCertificatePem();
        CertificatePem = certificate.ExportCertificatePem();
        KeyPem = key.ExportPkcs8PrivateKeyPem();
        Ca = Write(directory, "ca.pem", CaPem);
        Certificate = Write(directory, "node.pem", CertificatePem);
        Key = Write(directory, "node-key.pem", KeyPem);
    }

    /// <summary>Path of the CA certificate (PEM).</summary>
    public string Ca { get; }

    /// <summary>Path of the node certificate (PEM).</summary>
    public string Certificate { get; }

    /// <summary>Path of the node certificate's private key (PEM, PKCS#8).</summary>
    public string Key { get; }

    public string CaPem { get; }

    public string CertificatePem { get; }

    public string KeyPem { get; }

    /// <summary>The <c>Cluster__Tls__*</c> settings that give a silo or the gateway these files.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["Cluster__Tls__Certificate"] = Certificate,
        ["Cluster__Tls__Key"] = Key,
        ["Cluster__Tls__Ca"] = Ca,
    };

    /// <summary>The node certificate with its key, for a TLS client in a test.</summary>
    public X509Certificate2 LoadCertificate()
    {
        using var pem = X509Certificate2.CreateFromPem(CertificatePem, KeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public X509Certificate2 LoadCa() => X509Certificate2.CreateFromPem(CaPem);

    private static string Write(string directory, string name, string pem)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}

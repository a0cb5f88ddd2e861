using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Tests.Support;

/// <summary>A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, as PEM files.</summary>
public sealed class TestCertificates
{
    public TestCertificates(string directory)
    {
        Directory.CreateDirectory(directory);
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=berth-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        // The CA outlives what it signs: leaves are issued inside its validity, from one clock reading.
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-10), now.AddDays(2));
        CaCertificate = Write(directory, "ca.pem", ca.ExportCertificatePem());
        (ServerCertificate, ServerKey) = Issue(ca, directory, "server", server: true, now);
        (ClientCertificate, ClientKey) = Issue(ca, directory, "client", server: false, now);
    }

    public string CaCertificate { get; }
    public string ServerCertificate { get; }
    public string ServerKey { get; }
    public string ClientCertificate { get; }
    public string ClientKey { get; }

    private static (string Certificate, string Key) Issue(X509Certificate2 ca, string directory, string name, bool server, DateTimeOffset now)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=berth-test-{name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return (Write(directory, $"{name}.pem", certificate.ExportCertificatePem()), Write(directory, $"{name}-key.pem", key.ExportPkcs8PrivateKeyPem()));
    }

    private static string Write(string directory, string name, string pem)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}

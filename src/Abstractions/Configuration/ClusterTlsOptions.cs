namespace Berth.Configuration;

/// <summary>
/// Mutual TLS between Berth's processes (section <c>Cluster:Tls</c>, env <c>Cluster__Tls__*</c>),
/// read by the silo and the gateway alike: silo to silo, and gateway (Orleans client) to silo.
/// Every process presents <see cref="Certificate"/> and accepts a peer only if the peer's
/// certificate chains to <see cref="Ca"/>. docs/cluster-tls.md has the details.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Cluster:Tls";

    /// <summary>The prefix of the environment variables, for messages (<c>Cluster__Tls__</c>).</summary>
    public const string EnvironmentPrefix = "Cluster__Tls__";

    /// <summary>
    /// <c>auto</c> (default): required on PostgreSQL (multi-host clustering), otherwise used when
    /// certificates are configured. <c>required</c>: always. <c>off</c>: never (development only).
    /// </summary>
    public string Mode { get; set; } = "auto";

    /// <summary>Path of this process's certificate: PEM (with <see cref="Key"/>) or a PFX / PKCS#12 file.</summary>
    public string? Certificate { get; set; }

    /// <summary>Path of the PEM private key of <see cref="Certificate"/>; not needed for a PFX.</summary>
    public string? Key { get; set; }

    /// <summary>Password of a PFX, or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>Path of the PEM file of the cluster's CA certificate(s): the only roots peers may chain to.</summary>
    public string? Ca { get; set; }

    /// <summary>The certificate as PEM text, instead of <see cref="Certificate"/> (env <c>Cluster__Tls__CertificatePem</c>).</summary>
    public string? CertificatePem { get; set; }

    /// <summary>The private key as PEM text, instead of <see cref="Key"/> (env <c>Cluster__Tls__KeyPem</c>).</summary>
    public string? KeyPem { get; set; }

    /// <summary>The CA certificate(s) as PEM text, instead of <see cref="Ca"/> (env <c>Cluster__Tls__CaPem</c>).</summary>
    public string? CaPem { get; set; }

    /// <summary>How long one TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether any certificate setting is present (empty values count as absent).</summary>
    public bool AnyCertificateConfigured =>
        Present(Certificate) || Present(CertificatePem) || Present(Key) || Present(KeyPem) || Present(Ca) || Present(CaPem);

    /// <summary>The mode, parsed; an unknown value is an error that names the setting.</summary>
    public ClusterTlsMode ParsedMode => Mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ClusterTlsMode.Auto,
        "required" => ClusterTlsMode.Required,
        "off" => ClusterTlsMode.Off,
        _ => throw new InvalidOperationException(
            $"{EnvironmentPrefix}Mode is '{Mode}'; expected auto, required or off"),
    };

    public static bool Present(string? value) => !string.IsNullOrWhiteSpace(value);
}

public enum ClusterTlsMode
{
    Auto,
    Required,
    Off,
}

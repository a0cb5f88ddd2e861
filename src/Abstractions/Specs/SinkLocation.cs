using System.Text.Json.Serialization;

namespace Berth.Specs;

/// <summary>
/// A workload's own S3 settings, from Boilerhouse's <c>sync.sink</c> map. Unset fields fall back to
/// the cluster's (<c>Berth:Snapshots:S3</c>). The keys never leave the cluster in clear: the parser
/// fills <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/>, the catalog seals them into
/// <see cref="SealedCredentials"/> before anything is stored, and no API answer shows either.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Specs.SinkLocation")]
public sealed record SinkLocation
{
    public const string TenantIdPlaceholder = "${tenantId}";

    [Id(0)] public string? Bucket { get; init; }
    [Id(1)] public string? Region { get; init; }
    [Id(2)] public string? Endpoint { get; init; }
    /// <summary>Object key prefix with <see cref="TenantIdPlaceholder"/>; Berth adds <c>{workload}/{snapshot}.tar</c>.</summary>
    [Id(3)] public string? Prefix { get; init; }
    /// <summary>From rclone's <c>--s3-force-path-style</c>.</summary>
    [Id(4)] public bool ForcePathStyle { get; init; }
    /// <summary>rclone flags that mean nothing to Berth's own S3 client; accepted and reported back as warnings.</summary>
    [Id(5)] public string[] IgnoredFlags { get; init; } = [];

    /// <summary>Clear text, only on the way from the parser to the catalog.</summary>
    [Id(6), JsonIgnore] public string? AccessKeyId { get; init; }
    [Id(7), JsonIgnore] public string? SecretAccessKey { get; init; }
    /// <summary>Both keys, encrypted by the catalog (AES-GCM, bound to <see cref="CredentialsOwner"/>).</summary>
    [Id(8), JsonIgnore] public byte[]? SealedCredentials { get; init; }
    /// <summary>The workload whose key sealed the credentials (the encryption context).</summary>
    [Id(9), JsonIgnore] public string? CredentialsOwner { get; init; }

    /// <summary>Shown instead of the keys.</summary>
    public bool HasCredentials => SealedCredentials is not null || AccessKeyId is not null;
}

namespace Berth.Configuration;

/// <summary>
/// The s3 snapshot sink (section <c>Berth:Snapshots:S3</c>; env: <c>Berth__Snapshots__S3__Bucket</c>):
/// AWS S3 or any S3-compatible store (MinIO, Ceph, R2, s3rver in the tests).
/// </summary>
public sealed class S3SinkOptions
{
    public const string TenantIdPlaceholder = "${tenantId}";

    /// <summary>The bucket holding every snapshot of this cluster; required when a workload uses the s3 sink.</summary>
    public string? Bucket { get; set; }

    /// <summary>Signing region; empty falls back to <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>, then <c>us-east-1</c>.</summary>
    public string? Region { get; set; }

    /// <summary>
    /// Endpoint of an S3-compatible store (<c>http://127.0.0.1:4569</c>); empty falls back to
    /// <c>AWS_ENDPOINT_URL_S3</c>, <c>AWS_ENDPOINT_URL</c>, then AWS's own endpoint for <see cref="Region"/>.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Path-style URLs (<c>endpoint/bucket/key</c>): what most S3-compatible stores and IP endpoints need.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Access key; when it and <see cref="SecretKey"/> are empty, <c>AWS_ACCESS_KEY_ID</c> and <c>AWS_SECRET_ACCESS_KEY</c> are used.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Optional session token of temporary credentials; falls back to <c>AWS_SESSION_TOKEN</c> with the environment's keys.</summary>
    public string? SessionToken { get; set; }

    /// <summary>
    /// Prepended to <c>{workload}/{snapshotId}.tar</c>; must contain <c>${tenantId}</c>, so that every
    /// tenant's snapshots live under a prefix of their own (for listing, lifecycle rules and policies).
    /// </summary>
    public string KeyPrefix { get; set; } = "berth/" + TenantIdPlaceholder + "/";

    /// <summary>Create the bucket on the first write that finds it missing (needs s3:CreateBucket).</summary>
    public bool CreateBucket { get; set; } = true;
}

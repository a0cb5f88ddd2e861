using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Berth.Configuration;
using Berth.Contracts;
using Microsoft.Extensions.Options;

namespace Berth.State;

/// <summary>
/// Snapshots as objects in AWS S3 or any S3-compatible store, one object per snapshot at
/// <c>{KeyPrefix with the tenant id}{workload}/{snapshotId}.tar</c>. A single PutObject is atomic in
/// S3: readers see the old object or the whole new one, never a part.
/// </summary>
public sealed class S3SnapshotSink(IOptions<BerthOptions> options, ILogger<S3SnapshotSink> logger) : ISnapshotSink, IDisposable
{
    private readonly Lazy<AmazonS3Client> _client = new(() => CreateClient(options.Value.Snapshots.S3), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly SemaphoreSlim _bucketCreation = new(1, 1);

    public string Name => "s3";

    private S3SinkOptions Settings => options.Value.Snapshots.S3;

    public string? ConfigurationProblem
    {
        get
        {
            if (Settings.Bucket is not { Length: > 0 })
            {
                return "the s3 sink needs a bucket: sync.sink.bucket, or Berth:Snapshots:S3:Bucket on the cluster";
            }
            if (!Settings.KeyPrefix.Contains(S3SinkOptions.TenantIdPlaceholder, StringComparison.Ordinal))
            {
                return $"the s3 key prefix '{Settings.KeyPrefix}' must contain {S3SinkOptions.TenantIdPlaceholder}";
            }
            if (FirstNonEmpty(Settings.AccessKey, Settings.SecretKey) is null
                && (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"))))
            {
                return "the s3 sink has no credentials: sync.sink.access_key_id and secret_access_key, Berth:Snapshots:S3:AccessKey and SecretKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY on the silos";
            }
            return null;
        }
    }

    private string Bucket => Settings.Bucket is { Length: > 0 } bucket
        ? bucket
        : throw new InvalidOperationException("the s3 snapshot sink needs Berth:Snapshots:S3:Bucket");

    /// <summary>The object key of a snapshot; public so that operators and tests can find it.</summary>
    public string KeyOf(SnapshotKey key)
    {
        var template = Settings.KeyPrefix ?? "";
        if (!template.Contains(S3SinkOptions.TenantIdPlaceholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Berth:Snapshots:S3:KeyPrefix '{template}' must contain {S3SinkOptions.TenantIdPlaceholder}: tenants must not share a prefix");
        }
        // Ids are validated at the API, but a '/' here would let one tenant's key reach into another's prefix.
        foreach (var part in new[] { key.TenantId, key.Workload, key.SnapshotId })
        {
            if (part.Length == 0 || part.Contains('/') || part is "." or "..")
            {
                throw new ArgumentException($"snapshot key part '{part}' cannot be part of an object key", nameof(key));
            }
        }
        return template.Replace(S3SinkOptions.TenantIdPlaceholder, key.TenantId, StringComparison.Ordinal)
            + $"{key.Workload}/{key.SnapshotId}.tar";
    }

    public async Task WriteAsync(SnapshotKey key, Stream content, CancellationToken cancellationToken)
    {
        var objectKey = KeyOf(key);
        if (content.CanSeek)
        {
            await PutAsync(objectKey, content, cancellationToken);
            return;
        }
        // PutObject needs the length up front, and a retry needs to rewind: stage what cannot seek.
        var directory = options.Value.Snapshots.StagingDirectory;
        Directory.CreateDirectory(directory);
        var staging = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".s3.tar");
        await using var file = new FileStream(staging, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await content.CopyToAsync(file, cancellationToken);
        file.Position = 0;
        await PutAsync(objectKey, file, cancellationToken);
    }

    private async Task PutAsync(string objectKey, Stream content, CancellationToken cancellationToken)
    {
        var start = content.Position;
        // AWS and most S3-compatible stores check Content-MD5, refusing a body damaged or cut short in
        // transit (s3rver does not; SnapshotTransfer reads every snapshot back and checks it anyway).
        string md5;
        using (var hash = MD5.Create())
        {
            md5 = Convert.ToBase64String(await hash.ComputeHashAsync(content, cancellationToken));
        }
        for (var attempt = 0; ; attempt++)
        {
            content.Position = start;
            try
            {
                await _client.Value.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = objectKey,
                    InputStream = content,
                    AutoCloseStream = false,
                    AutoResetStreamPosition = false,
                    ContentType = "application/x-tar",
                    MD5Digest = md5,
                    // One plain body. The SDK's default is an aws-chunked body (chunk signatures, and a
                    // CRC32 trailer), which stores that do not decode keep verbatim: s3rver 3.7
                    // answers 200 and then serves the chunk framing as the object.
                    UseChunkEncoding = false,
                }, cancellationToken);
                return;
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket" && Settings.CreateBucket && attempt < 5)
            {
                if (attempt == 0)
                {
                    await EnsureBucketAsync(cancellationToken);
                }
                else
                {
                    // A new bucket can take a moment to be visible everywhere in AWS.
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
                }
            }
        }
    }

    /// <summary>
    /// Creates the bucket unless it is already there. Silos racing to create it all succeed: a
    /// conflict is success once the bucket answers to these credentials.
    /// </summary>
    public async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        await _bucketCreation.WaitAsync(cancellationToken);
        try
        {
            var bucket = Bucket;
            try
            {
                await _client.Value.PutBucketAsync(new PutBucketRequest { BucketName = bucket, UseClientRegion = true }, cancellationToken);
                logger.LogInformation("Created snapshot bucket {Bucket}", bucket);
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode == "BucketAlreadyOwnedByYou")
            {
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyExists" or "OperationAborted" || ex.StatusCode == HttpStatusCode.Conflict)
            {
                // Another creator won the race, or someone else owns the name (some stores, s3rver
                // among them, say BucketAlreadyExists even to the owner): usable only if it answers us.
                if (!await BucketIsReachableAsync(bucket, cancellationToken))
                {
                    throw new InvalidOperationException($"snapshot bucket '{bucket}' exists but is not accessible with these credentials", ex);
                }
            }
        }
        finally
        {
            _bucketCreation.Release();
        }
    }

    private async Task<bool> BucketIsReachableAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Value.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<Stream> OpenReadAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        var objectKey = KeyOf(key);
        try
        {
            var response = await _client.Value.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = objectKey }, cancellationToken);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"snapshot {key} is not in the s3 sink ({ex.ErrorCode})", $"s3://{Bucket}/{objectKey}", ex);
        }
    }

    public async Task DeleteAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        var objectKey = KeyOf(key);
        try
        {
            // S3 answers 204 for a key that is not there.
            await _client.Value.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = objectKey }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
        }
    }

    /// <summary>
    /// Not listed: tenants' keys sit under per-tenant prefixes, and listing a bucket of every tenant's
    /// objects to find a workload's is too costly; a purge reaches the tenants the catalog knows.
    /// </summary>
    public Task<IReadOnlyList<string>> TenantsOfAsync(string workload, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    public void Dispose()
    {
        if (_client.IsValueCreated) _client.Value.Dispose();
        _bucketCreation.Dispose();
    }

    private static AmazonS3Client CreateClient(S3SinkOptions settings)
    {
        var region = FirstNonEmpty(settings.Region, Environment.GetEnvironmentVariable("AWS_REGION"),
            Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")) ?? "us-east-1";
        var serviceUrl = FirstNonEmpty(settings.ServiceUrl, Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3"),
            Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle,
            // The SDK's default adds x-amz-checksum-* headers or trailers to every upload, which
            // S3-compatible stores that predate them refuse; Content-MD5 and SigV4 guard the body instead.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (serviceUrl is not null)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        return new AmazonS3Client(Credentials(settings), config);
    }

    /// <summary>
    /// Configured keys, else the standard environment variables. Deliberately not the SDK's whole
    /// default chain, whose last resort probes the EC2 metadata address from any machine.
    /// </summary>
    private static AWSCredentials Credentials(S3SinkOptions settings)
    {
        string? access, secret, token;
        if (FirstNonEmpty(settings.AccessKey, settings.SecretKey) is not null)
        {
            (access, secret, token) = (settings.AccessKey, settings.SecretKey, settings.SessionToken);
        }
        else
        {
            access = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
            secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
            token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        }
        if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException(
                "the s3 snapshot sink needs Berth:Snapshots:S3:AccessKey and SecretKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        }
        return string.IsNullOrEmpty(token) ? new BasicAWSCredentials(access, secret) : new SessionAWSCredentials(access, secret, token);
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    /// <summary>The object's body that also releases the response (and its connection) when disposed.</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _body = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _body.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _body.ReadAsync(buffer, cancellationToken);

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) response.Dispose();
            base.Dispose(disposing);
        }
    }
}

using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Berth.Configuration;
using Berth.Contracts;
using Berth.State;
using Berth.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Berth.Tests.State;

/// <summary>Buckets of one test run (unique names), and a plain S3 client to look into them; all removed at the end.</summary>
public sealed class S3BucketsFixture : IAsyncLifetime
{
    private readonly string _run = $"berth-test-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly List<string> _buckets = [];

    public AmazonS3Client Client { get; } = new(
        new BasicAWSCredentials(S3Requirement.AccessKey, S3Requirement.SecretKey),
        new AmazonS3Config
        {
            ServiceURL = S3Requirement.Endpoint,
            AuthenticationRegion = "us-east-1",
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>A bucket name no earlier run used; the sink creates it on its first write.</summary>
    public string NewBucketName(string purpose)
    {
        var name = $"{_run}-{purpose}";
        lock (_buckets) _buckets.Add(name);
        return name;
    }

    public S3SnapshotSink Sink(string bucket, Action<S3SinkOptions>? configure = null)
    {
        var options = new BerthOptions();
        options.Snapshots.StagingDirectory = Path.Combine(Path.GetTempPath(), "berth-s3-test-staging");
        var s3 = options.Snapshots.S3;
        s3.Bucket = bucket;
        s3.ServiceUrl = S3Requirement.Endpoint;
        s3.Region = "us-east-1";
        s3.ForcePathStyle = true;
        s3.AccessKey = S3Requirement.AccessKey;
        s3.SecretKey = S3Requirement.SecretKey;
        configure?.Invoke(s3);
        return new S3SnapshotSink(Options.Create(options), NullLogger<S3SnapshotSink>.Instance);
    }

    public async Task<List<string>> KeysAsync(string bucket)
    {
        var response = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return (response.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<bool> BucketExistsAsync(string bucket) =>
        ((await Client.ListBucketsAsync()).Buckets ?? []).Any(b => b.BucketName == bucket);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (S3Requirement.Unavailable is null)
        {
            foreach (var bucket in _buckets)
            {
                if (!await BucketExistsAsync(bucket)) continue;
                foreach (var key in await KeysAsync(bucket))
                {
                    await Client.DeleteObjectAsync(bucket, key);
                }
                await Client.DeleteBucketAsync(bucket);
            }
        }
        Client.Dispose();
    }
}

/// <summary>The s3 sink against a real S3 API server on loopback (s3rver; scripts/ensure-s3rver.sh).</summary>
public sealed class S3SnapshotSinkTests : IClassFixture<S3BucketsFixture>
{
    private readonly S3BucketsFixture _s3;

    public S3SnapshotSinkTests(S3BucketsFixture s3)
    {
        _s3 = s3;
        // In CI a missing server must fail with its reason, not with an SDK connection error.
        if (S3Requirement.Required && S3Requirement.Unavailable is { } reason)
        {
            throw new InvalidOperationException($"S3 is required here but unavailable: {reason}");
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(S3SnapshotSink sink, SnapshotKey key)
    {
        await using var stream = await sink.OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [S3Fact]
    public async Task A_written_snapshot_reads_back_byte_for_byte_and_a_rewrite_replaces_it_whole()
    {
        var bucket = _s3.NewBucketName("roundtrip");
        using var sink = _s3.Sink(bucket);
        var key = new SnapshotKey("alice", "web", "snap-1");
        var first = RandomBytes(3 * 1024 * 1024 + 17);

        await using (var staged = new MemoryStream(first))
        {
            await sink.WriteAsync(key, staged, CancellationToken.None);
        }
        Assert.Equal(first, await ReadAllAsync(sink, key));

        var second = RandomBytes(1000);
        await sink.WriteAsync(key, new MemoryStream(second), CancellationToken.None);
        Assert.Equal(second, await ReadAllAsync(sink, key));

        // An empty state is a valid snapshot too.
        var empty = new SnapshotKey("alice", "web", "snap-empty");
        await sink.WriteAsync(empty, new MemoryStream(), CancellationToken.None);
        Assert.Empty(await ReadAllAsync(sink, empty));
    }

    [S3Fact]
    public async Task A_stream_that_cannot_seek_is_staged_and_stored_whole()
    {
        var bucket = _s3.NewBucketName("unseekable");
        using var sink = _s3.Sink(bucket);
        var key = new SnapshotKey("bob", "web", "snap-1");
        var content = RandomBytes(200_000);

        await sink.WriteAsync(key, new ForwardOnlyStream(content), CancellationToken.None);

        Assert.Equal(content, await ReadAllAsync(sink, key));
    }

    [S3Fact]
    public async Task Reading_a_missing_snapshot_throws_FileNotFoundException_in_an_existing_or_a_missing_bucket()
    {
        var bucket = _s3.NewBucketName("missing");
        using var sink = _s3.Sink(bucket);

        await Assert.ThrowsAsync<FileNotFoundException>(() => sink.OpenReadAsync(new SnapshotKey("carol", "web", "never"), CancellationToken.None));
        Assert.False(await _s3.BucketExistsAsync(bucket));

        await sink.WriteAsync(new SnapshotKey("carol", "web", "snap-1"), new MemoryStream(RandomBytes(10)), CancellationToken.None);
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(
            () => sink.OpenReadAsync(new SnapshotKey("carol", "web", "snap-2"), CancellationToken.None));
        Assert.Contains("carol/web/snap-2", missing.Message);
    }

    [S3Fact]
    public async Task Deleting_is_idempotent_and_a_deleted_snapshot_is_gone()
    {
        var bucket = _s3.NewBucketName("delete");
        using var sink = _s3.Sink(bucket);
        var key = new SnapshotKey("dave", "web", "snap-1");
        var kept = new SnapshotKey("dave", "web", "snap-2");

        await sink.DeleteAsync(key, CancellationToken.None); // bucket not even created yet
        await sink.WriteAsync(key, new MemoryStream(RandomBytes(64)), CancellationToken.None);
        await sink.WriteAsync(kept, new MemoryStream(RandomBytes(64)), CancellationToken.None);

        await sink.DeleteAsync(key, CancellationToken.None);
        await sink.DeleteAsync(key, CancellationToken.None);

        await Assert.ThrowsAsync<FileNotFoundException>(() => sink.OpenReadAsync(key, CancellationToken.None));
        Assert.Equal(["berth/dave/web/snap-2.tar"], await _s3.KeysAsync(bucket));
    }

    [S3Fact]
    public async Task The_key_prefix_template_puts_each_tenant_under_its_own_prefix()
    {
        var bucket = _s3.NewBucketName("prefix");
        using var byDefault = _s3.Sink(bucket);
        using var custom = _s3.Sink(bucket, s3 => s3.KeyPrefix = "clusters/east/tenants/${tenantId}/state/");

        await byDefault.WriteAsync(new SnapshotKey("erin", "web", "s1"), new MemoryStream(RandomBytes(8)), CancellationToken.None);
        await custom.WriteAsync(new SnapshotKey("frank.co", "db", "s2"), new MemoryStream(RandomBytes(8)), CancellationToken.None);
        await custom.WriteAsync(new SnapshotKey("frank", "db", "s3"), new MemoryStream(RandomBytes(8)), CancellationToken.None);

        Assert.Equal(
            ["berth/erin/web/s1.tar", "clusters/east/tenants/frank.co/state/db/s2.tar", "clusters/east/tenants/frank/state/db/s3.tar"],
            await _s3.KeysAsync(bucket));
        Assert.Equal("berth/erin/web/s1.tar", byDefault.KeyOf(new SnapshotKey("erin", "web", "s1")));
    }

    [Fact]
    public void A_prefix_without_the_tenant_id_or_a_key_part_with_a_slash_is_refused()
    {
        using var shared = new S3SnapshotSink(
            Options.Create(new BerthOptions { Snapshots = { S3 = { Bucket = "b", KeyPrefix = "berth/" } } }), NullLogger<S3SnapshotSink>.Instance);
        var error = Assert.Throws<InvalidOperationException>(() => shared.KeyOf(new SnapshotKey("alice", "web", "s1")));
        Assert.Contains("${tenantId}", error.Message);

        using var sink = new S3SnapshotSink(Options.Create(new BerthOptions { Snapshots = { S3 = { Bucket = "b" } } }), NullLogger<S3SnapshotSink>.Instance);
        Assert.Throws<ArgumentException>(() => sink.KeyOf(new SnapshotKey("alice/../bob", "web", "s1")));
        Assert.Throws<ArgumentException>(() => sink.KeyOf(new SnapshotKey("alice", "..", "s1")));
    }

    [S3Fact]
    public async Task The_bucket_is_created_on_first_write_even_by_several_silos_at_once()
    {
        var bucket = _s3.NewBucketName("created");
        Assert.False(await _s3.BucketExistsAsync(bucket));
        // Two sinks stand for two silos, each with its own client, racing on a bucket that is not there.
        using var silo1 = _s3.Sink(bucket);
        using var silo2 = _s3.Sink(bucket);
        var contents = Enumerable.Range(0, 8).Select(_ => RandomBytes(4096)).ToArray();

        await Task.WhenAll(contents.Select((content, i) =>
            (i % 2 == 0 ? silo1 : silo2).WriteAsync(new SnapshotKey($"t{i}", "web", "s1"), new MemoryStream(content), CancellationToken.None)));

        Assert.True(await _s3.BucketExistsAsync(bucket));
        Assert.Equal(8, (await _s3.KeysAsync(bucket)).Count);
        for (var i = 0; i < contents.Length; i++)
        {
            Assert.Equal(contents[i], await ReadAllAsync(silo1, new SnapshotKey($"t{i}", "web", "s1")));
        }
    }

    [S3Fact]
    public async Task Creating_a_bucket_that_exists_or_that_others_create_at_the_same_moment_succeeds()
    {
        var bucket = _s3.NewBucketName("race");
        var silos = Enumerable.Range(0, 4).Select(_ => _s3.Sink(bucket)).ToList();
        try
        {
            await Task.WhenAll(silos.Select(s => s.EnsureBucketAsync(CancellationToken.None)));
            Assert.True(await _s3.BucketExistsAsync(bucket));

            // Already there: s3rver answers BucketAlreadyExists even to its owner.
            await silos[0].EnsureBucketAsync(CancellationToken.None);
            await silos[0].WriteAsync(new SnapshotKey("hal", "web", "s1"), new MemoryStream(RandomBytes(8)), CancellationToken.None);
            Assert.Equal(["berth/hal/web/s1.tar"], await _s3.KeysAsync(bucket));
        }
        finally
        {
            silos.ForEach(s => s.Dispose());
        }
    }

    [S3Fact]
    public async Task Without_bucket_creation_a_write_to_a_missing_bucket_fails_and_creates_nothing()
    {
        var bucket = _s3.NewBucketName("nocreate");
        using var sink = _s3.Sink(bucket, s3 => s3.CreateBucket = false);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(
            () => sink.WriteAsync(new SnapshotKey("gina", "web", "s1"), new MemoryStream(RandomBytes(8)), CancellationToken.None));

        Assert.Equal("NoSuchBucket", error.ErrorCode);
        Assert.False(await _s3.BucketExistsAsync(bucket));
    }

    /// <summary>A body that can only be read forward, like a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

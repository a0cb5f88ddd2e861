using Berth.Configuration;
using Berth.Secrets;
using Berth.Specs;
using Berth.State;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Berth.Tests.State;

/// <summary>A workload's own s3 settings: sealed keys, merged with the cluster's, and checked before registration.</summary>
public sealed class SnapshotSinksTests
{
    private static readonly BerthOptions Options = new()
    {
        SecretsKey = Convert.ToBase64String(new byte[32]),
        Snapshots = { S3 = { ServiceUrl = "http://127.0.0.1:4569", Region = "eu-west-1" } },
    };

    private static readonly SecretProtector Protector = new(Microsoft.Extensions.Options.Options.Create(Options), NullLogger<SecretProtector>.Instance);

    private static SnapshotSinks Sinks() => new(
        [new S3SnapshotSink(Microsoft.Extensions.Options.Options.Create(Options), NullLogger<S3SnapshotSink>.Instance), new FilesystemSnapshotSink(Microsoft.Extensions.Options.Options.Create(Options))],
        Microsoft.Extensions.Options.Options.Create(Options), Protector, NullLoggerFactory.Instance);

    private static WorkloadSpec Spec(string sink) => WorkloadSpecParser.ParseYaml($"id: w\nimage: i\nvolumes: {{state: {{target: /data}}}}\nsync:\n  sink: {sink}\n");

    [Fact]
    public void Keys_are_sealed_for_their_workload_and_open_only_there()
    {
        var spec = Spec("{type: s3, bucket: bucket-1, access_key_id: AK, secret_access_key: SK}");
        var sealedSpec = SinkCredentials.Seal(spec, Protector);
        var location = sealedSpec.Sync!.Location!;

        Assert.Null(location.AccessKeyId);
        Assert.Null(location.SecretAccessKey);
        Assert.NotNull(location.SealedCredentials);
        Assert.DoesNotContain("SK", System.Text.Encoding.UTF8.GetString(location.SealedCredentials!));
        Assert.Equal(("AK", "SK"), SinkCredentials.Open(location, Protector));
        Assert.True(SinkCredentials.SameKeys(spec.Sync!.Location, location, Protector));
        // Moved to another workload, the ciphertext does not open.
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => SinkCredentials.Open(location with { CredentialsOwner = "other" }, Protector));
    }

    [Fact]
    public void The_workloads_settings_win_and_the_cluster_fills_in_the_rest()
    {
        var location = SinkCredentials.Seal(Spec("{type: s3, bucket: bucket-1, prefix: \"t/${tenantId}/\", access_key_id: AK, secret_access_key: SK, rclone_flags: [--s3-force-path-style]}"), Protector).Sync!.Location!;

        var merged = Sinks().Merge(location);

        Assert.Equal("bucket-1", merged.Bucket);
        Assert.Equal("eu-west-1", merged.Region);
        Assert.Equal("http://127.0.0.1:4569", merged.ServiceUrl);
        Assert.Equal("t/${tenantId}/", merged.KeyPrefix);
        Assert.True(merged.ForcePathStyle);
        Assert.Equal(("AK", "SK"), (merged.AccessKey, merged.SecretKey));
    }

    [Fact]
    public void A_sink_without_bucket_or_credentials_is_named_as_the_problem()
    {
        var sinks = Sinks();
        Assert.Contains("needs a bucket", sinks.ProblemOf(Spec("s3").Sync!));
        // (AWS_ACCESS_KEY_ID in the test's environment would count as credentials; CI sets none.)
        Assert.Contains("no credentials", sinks.ProblemOf(Spec("{type: s3, bucket: bucket-1}").Sync!));
        Assert.Null(sinks.ProblemOf(Spec("{type: s3, bucket: bucket-1, access_key_id: AK, secret_access_key: SK}").Sync!));
        Assert.Null(sinks.ProblemOf(Spec("filesystem").Sync!));
        Assert.Contains("not configured", sinks.ProblemOf(Spec("postgres").Sync!));
    }
}

using System.Net;

namespace Berth.Tests.Support;

/// <summary>
/// Whether an S3 API server answers (scripts/ensure-s3rver.sh starts s3rver on 127.0.0.1:4569).
/// Like Docker: tests skip locally with the reason, and fail loudly in CI (CI=true or BERTH_REQUIRE_S3=1).
/// </summary>
public static class S3Requirement
{
    /// <summary>The S3 endpoint; loopback only, like every address the tests reach.</summary>
    public static string Endpoint =>
        Environment.GetEnvironmentVariable("BERTH_TEST_S3_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : "http://127.0.0.1:4569";

    /// <summary>s3rver's fixed credentials (it checks signatures with them).</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly Lazy<string?> Problem = new(Probe);

    public static bool Required =>
        Environment.GetEnvironmentVariable("BERTH_REQUIRE_S3") == "1"
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Unavailable => Problem.Value;

    private static string? Probe()
    {
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || !uri.IsLoopback)
        {
            return $"BERTH_TEST_S3_ENDPOINT '{Endpoint}' is not a loopback URL";
        }
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = http.GetAsync(uri).GetAwaiter().GetResult();
            // Any S3 answer will do (an anonymous ListBuckets is 200 on s3rver, 403 on most stores).
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Forbidden
                ? null
                : $"{Endpoint} answered {(int)response.StatusCode}, not like an S3 server";
        }
        catch (Exception ex)
        {
            return $"no S3 server answered at {Endpoint} ({ex.Message}); run scripts/ensure-s3rver.sh";
        }
    }
}

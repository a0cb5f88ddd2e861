using Docker.DotNet;

namespace Berth.Tests.Support;

/// <summary>
/// Whether a Docker engine answers here. Tests that need one skip locally with the reason, but in
/// CI (CI=true or BERTH_REQUIRE_DOCKER=1) they run and fail loudly instead.
/// </summary>
public static class DockerRequirement
{
    public const string Socket = "/var/run/docker.sock";
    public const string TestImage = "berth-busybox:test";

    /// <summary>The test image plus websocketd and CGI scripts (scripts/ensure-test-image.sh): HTTP on 8080, WebSocket echo and header echo on 8081.</summary>
    public const string WebTestImage = "berth-web:test";

    private static readonly Lazy<string?> Problem = new(Probe);

    public static bool Required =>
        Environment.GetEnvironmentVariable("BERTH_REQUIRE_DOCKER") == "1"
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when Docker and the test image are ready; otherwise what is missing.</summary>
    public static string? Unavailable => Problem.Value;

    public static DockerClient CreateClient() =>
        new DockerClientConfiguration(new Uri($"unix://{Socket}")).CreateClient();

    private static string? Probe()
    {
        if (!File.Exists(Socket)) return $"no Docker engine socket at {Socket} (run scripts/ensure-docker.sh)";
        try
        {
            using var client = CreateClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            client.System.PingAsync(timeout.Token).GetAwaiter().GetResult();
            client.Images.InspectImageAsync(TestImage, timeout.Token).GetAwaiter().GetResult();
            client.Images.InspectImageAsync(WebTestImage, timeout.Token).GetAwaiter().GetResult();
            return null;
        }
        catch (DockerImageNotFoundException)
        {
            return $"test image {TestImage} or {WebTestImage} is missing (run scripts/ensure-test-image.sh)";
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return $"test image {TestImage} or {WebTestImage} is missing (run scripts/ensure-test-image.sh)";
        }
        catch (Exception ex)
        {
            return $"the Docker engine at {Socket} did not answer: {ex.Message}";
        }
    }
}

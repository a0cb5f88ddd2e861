using System.Text;
using Berth.Client;
using Berth.Client.Models;
using static Berth.Tests.Cli.CliRunner;

namespace Berth.Tests.Cli;

/// <summary>The typed client against a fake handler: problems as typed exceptions, Retry-After, the operations stream.</summary>
public sealed class BerthClientTests
{
    private static (BerthClient Client, List<TimeSpan> Waits) ClientOf(FakeHandler handler, int maxRetries = 3)
    {
        var waits = new List<TimeSpan>();
        var client = new BerthClient(new BerthClientOptions { BaseAddress = new Uri("http://127.0.0.1:1"), ApiKey = "bk_test", MaxRetries = maxRetries }, handler)
        {
            Delay = (wait, _) =>
            {
                waits.Add(wait);
                return Task.CompletedTask;
            },
        };
        return (client, waits);
    }

    private static HttpResponseMessage Problem(int status, string detail, string? field = null, int? retryAfter = null)
    {
        var fieldJson = field is null ? "" : $",\"field\":\"{field}\",\"errors\":[{{\"field\":\"{field}\",\"message\":\"{detail}\"}}]";
        var response = FakeHandler.Json(status, $"{{\"type\":\"https://httpstatuses.io/{status}\",\"title\":\"T{status}\",\"status\":{status},\"detail\":\"{detail}\"{fieldJson}}}",
            "application/problem+json");
        if (retryAfter is { } seconds) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        return response;
    }

    [Theory]
    [InlineData(400, typeof(BerthBadRequestException))]
    [InlineData(401, typeof(BerthUnauthorizedException))]
    [InlineData(403, typeof(BerthForbiddenException))]
    [InlineData(404, typeof(BerthNotFoundException))]
    [InlineData(409, typeof(BerthConflictException))]
    [InlineData(422, typeof(BerthApiException))]
    public async Task A_problem_body_becomes_the_exception_of_its_status_with_title_detail_and_field(int status, Type expected)
    {
        var handler = new FakeHandler((_, _) => Problem(status, "workload 'nope' does not exist", "id"));
        var (client, waits) = ClientOf(handler);
        var ex = await Assert.ThrowsAnyAsync<BerthApiException>(() => client.GetWorkloadAsync("nope"));
        Assert.IsType(expected, ex);
        Assert.Equal(status, ex.Status);
        Assert.Equal($"T{status}", ex.Title);
        Assert.Equal("workload 'nope' does not exist", ex.Detail);
        Assert.Equal("id", ex.Field);
        Assert.Equal("id", Assert.Single(ex.Errors).Field);
        Assert.Empty(waits);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_body_that_is_no_problem_still_gives_the_status_and_its_text()
    {
        var handler = new FakeHandler((_, _) => new HttpResponseMessage(System.Net.HttpStatusCode.BadGateway) { Content = new StringContent("upstream down") });
        var (client, _) = ClientOf(handler);
        var ex = await Assert.ThrowsAsync<BerthApiException>(() => client.ListPoolsAsync());
        Assert.Equal(502, ex.Status);
        Assert.Equal("upstream down", ex.Detail);
    }

    [Fact]
    public async Task A_429_and_a_503_are_tried_again_after_their_Retry_After_and_the_claim_keeps_its_idempotency_key()
    {
        var keys = new List<string>();
        var handler = new FakeHandler((request, call) =>
        {
            keys.Add(request.Headers.GetValues("Idempotency-Key").Single());
            return call switch
            {
                1 => Problem(429, "slow down", retryAfter: 2),
                2 => Problem(503, "pool at max_size", retryAfter: 5),
                _ => FakeHandler.Json(200, """{"tenantId":"alice","workload":"web","state":"claimed","containerId":"c1","source":"warm","endpoints":[]}"""),
            };
        });
        var (client, waits) = ClientOf(handler);
        var claim = await client.ClaimAsync("alice", "web");
        Assert.Equal("claimed", claim.State);
        Assert.Equal("warm", claim.Source);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)], waits);
        Assert.Equal(3, keys.Count);
        Assert.Single(keys.Distinct());
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_last_503_is_thrown_with_its_Retry_After()
    {
        var handler = new FakeHandler((_, _) => Problem(503, "host down", retryAfter: 1));
        var (client, waits) = ClientOf(handler, maxRetries: 2);
        var ex = await Assert.ThrowsAsync<BerthUnavailableException>(() => client.ListHostsAsync());
        Assert.Equal(TimeSpan.FromSeconds(1), ex.RetryAfter);
        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal(2, waits.Count);
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_longest_wait_is_thrown_at_once()
    {
        var handler = new FakeHandler((_, _) => Problem(429, "quota", retryAfter: 3600));
        var (client, waits) = ClientOf(handler);
        var ex = await Assert.ThrowsAsync<BerthTooManyRequestsException>(() => client.ListPoolsAsync());
        Assert.Equal(TimeSpan.FromHours(1), ex.RetryAfter);
        Assert.Empty(waits);
        Assert.Single(handler.Requests);
    }

    internal static string OperationJson(string state, int done, int total, long version, string? errors = null) =>
        $$"""{"id":"op-20261203-7f3a9c","kind":"drain","target":"e2","state":"{{state}}","done":{{done}},"total":{{total}},"message":"{{done}} of {{total}} containers gone from host e2","errors":[{{errors}}],"startedBy":"admin","startedAt":"2026-12-03T16:00:00Z","updatedAt":"2026-12-03T16:00:0{{version}}Z","completedAt":null,"version":{{version}}}""";

    /// <summary>An SSE body as the contract has it: <c>event: operation</c>, <c>id: version</c>, <c>data: resource</c>, with a comment and another event type between.</summary>
    internal static HttpResponseMessage OperationStream(params string[] resources)
    {
        var text = new StringBuilder(": stream of op-20261203-7f3a9c\n\n");
        foreach (var resource in resources)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(resource);
            text.Append("event: operation\nid: ").Append(doc.RootElement.GetProperty("version").GetInt64()).Append("\ndata: ").Append(resource).Append("\n\n");
            text.Append("event: other\ndata: {}\n\n");
        }
        return FakeHandler.Json(200, text.ToString(), "text/event-stream");
    }

    [Fact]
    public async Task Watching_an_operation_yields_each_change_in_order_and_ends_at_the_terminal_state()
    {
        var handler = new FakeHandler((request, _) =>
        {
            Assert.Equal("/operations/op-20261203-7f3a9c/events", request.RequestUri!.AbsolutePath);
            Assert.Equal("text/event-stream", request.Headers.Accept.Single().MediaType);
            return OperationStream(OperationJson("running", 0, 3, 1), OperationJson("running", 2, 3, 2), OperationJson("succeeded", 3, 3, 3),
                OperationJson("succeeded", 3, 3, 4));
        });
        var (client, _) = ClientOf(handler);
        var seen = new List<Operation>();
        await foreach (var o in client.WatchOperationAsync("op-20261203-7f3a9c")) seen.Add(o);
        Assert.Equal([0, 2, 3], seen.Select(o => o.Done));
        Assert.Equal([1L, 2L, 3L], seen.Select(o => o.Version));
        Assert.True(seen[^1].IsFinished);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_stream_cut_before_the_end_is_opened_again_and_repeated_versions_are_left_out()
    {
        var handler = new FakeHandler((_, call) => call == 1
            ? OperationStream(OperationJson("running", 1, 4, 1), OperationJson("running", 2, 4, 2))
            : OperationStream(OperationJson("running", 2, 4, 2), OperationJson("failed", 3, 4, 5, """{"at":"2026-12-03T16:00:05Z","item":"tenant-7","message":"save failed"}""")));
        var (client, _) = ClientOf(handler);
        var seen = new List<Operation>();
        await foreach (var o in client.WatchOperationAsync("op-20261203-7f3a9c")) seen.Add(o);
        Assert.Equal([1L, 2L, 5L], seen.Select(o => o.Version));
        Assert.Equal("failed", seen[^1].State);
        Assert.Equal("tenant-7", Assert.Single(seen[^1].Errors).Item);
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task Operations_watch_prints_each_change_and_exits_0_on_success_and_1_on_failure()
    {
        var environment = new Dictionary<string, string?> { ["BERTH_URL"] = "http://127.0.0.1:1", ["BERTH_KEY"] = "bk_test", ["BERTH_CONFIG"] = "/nonexistent/berth.json" };
        var ok = new FakeHandler((_, _) => OperationStream(OperationJson("running", 1, 2, 1), OperationJson("succeeded", 2, 2, 2)));
        var run = await RunAsync(environment, ok, "operations", "watch", "op-20261203-7f3a9c");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("op-20261203-7f3a9c drain e2: running 1/2", run.Stdout);
        Assert.Contains("succeeded 2/2", run.Stdout);

        var failed = new FakeHandler((_, _) => OperationStream(OperationJson("failed", 1, 2, 3, """{"at":"2026-12-03T16:00:05Z","item":"tenant-7","message":"save failed"}""")));
        var json = await RunAsync(environment, failed, "operations", "watch", "op-20261203-7f3a9c", "--json");
        Assert.True(json.ExitCode == 1, json.ToString());
        var line = System.Text.Json.JsonDocument.Parse(json.Stdout.Trim()).RootElement;
        Assert.Equal("failed", line.GetProperty("state").GetString());
        Assert.Equal("tenant-7", line.GetProperty("errors")[0].GetProperty("item").GetString());

        var missing = new FakeHandler((_, _) => Problem(404, "operation 'op-x' does not exist", "id"));
        var notFound = await RunAsync(environment, missing, "operations", "get", "op-x");
        Assert.True(notFound.ExitCode == 3, notFound.ToString());
        Assert.Contains("operation 'op-x' does not exist", notFound.Stderr);
    }
}

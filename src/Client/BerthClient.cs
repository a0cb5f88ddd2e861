using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Client;

/// <summary>
/// A typed client of the Berth gateway. Every non-success answer becomes a <see cref="BerthApiException"/>
/// (a subclass per common status); a 429 or 503 is tried again after its Retry-After, a bounded number of times.
/// Resource methods are in the partial files named after their resource.
/// </summary>
public sealed partial class BerthClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>The API's JSON: web defaults (camelCase), enums as camelCase strings, nulls left out.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public BerthClient(BerthClientOptions options, HttpMessageHandler? handler = null)
        : this(new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: handler is null) { Timeout = Timeout.InfiniteTimeSpan }, options, ownsHttp: true)
    {
    }

    /// <summary>A client on the caller's <paramref name="http"/> (its BaseAddress and headers are left alone; requests carry their own).</summary>
    public BerthClient(HttpClient http, BerthClientOptions options) : this(http, options, ownsHttp: false)
    {
    }

    private BerthClient(HttpClient http, BerthClientOptions options, bool ownsHttp)
    {
        _http = http;
        _ownsHttp = ownsHttp;
        Options = options;
    }

    public BerthClientOptions Options { get; }

    /// <summary>How a retry waits; tests replace it to record the waits instead of sleeping.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = Task.Delay;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }

    internal Uri UriOf(string pathAndQuery) => new(new Uri(Options.BaseAddress.ToString().TrimEnd('/') + "/"), pathAndQuery.TrimStart('/'));

    internal HttpRequestMessage Request(HttpMethod method, string pathAndQuery, HttpContent? content = null, string? accept = null)
    {
        var request = new HttpRequestMessage(method, UriOf(pathAndQuery)) { Content = content };
        if (Options.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd(accept ?? "application/json");
        return request;
    }

    /// <summary>
    /// Sends what <paramref name="build"/> makes (again for each attempt), retrying 429 and 503 after their Retry-After;
    /// the answer is a success or the problem is thrown.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = build();
            var response = await _http.SendAsync(request, completion, cancellationToken);
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                var status = (int)response.StatusCode;
                var retryAfter = RetryAfterOf(response);
                if (status is 429 or 503 && attempt < Options.MaxRetries)
                {
                    var wait = retryAfter ?? Options.DefaultRetryDelay;
                    if (wait <= Options.MaxRetryDelay)
                    {
                        await Delay(wait, cancellationToken);
                        continue;
                    }
                }
                throw await ProblemOf(response, retryAfter, cancellationToken);
            }
        }
    }

    internal async Task<T> SendJsonAsync<T>(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(build, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new BerthApiException((int)response.StatusCode, "Empty answer", $"{response.RequestMessage?.RequestUri} answered with no body");
    }

    internal static JsonContent JsonBody<T>(T value) => JsonContent.Create(value, options: Json);

    internal static string Escape(string segment) => Uri.EscapeDataString(segment);

    /// <summary>A query string of the given pairs, leaving out the null ones.</summary>
    internal static string Query(params (string Name, string? Value)[] pairs)
    {
        var parts = pairs.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToArray();
        return parts.Length == 0 ? "" : "?" + string.Join('&', parts);
    }

    internal static string? Text(DateTimeOffset? at) => at?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    internal static string? Text(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Retry-After as seconds or as an HTTP date; null when absent.</summary>
    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta;
        if (header?.Date is { } date) return date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        return null;
    }

    /// <summary>The RFC 9457 body as an exception; a body that is no problem still gives its status and text.</summary>
    internal static async Task<BerthApiException> ProblemOf(HttpResponseMessage response, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = response.Content is null ? "" : await response.Content.ReadAsStringAsync(cancellationToken);
        string? title = null, detail = null, field = null, instance = null;
        List<BerthFieldError>? errors = null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = StringOf(root, "title");
                detail = StringOf(root, "detail");
                field = StringOf(root, "field");
                instance = StringOf(root, "instance");
                if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    errors = list.EnumerateArray()
                        .Where(e => e.ValueKind == JsonValueKind.Object)
                        .Select(e => new BerthFieldError(StringOf(e, "field") ?? "", StringOf(e, "message") ?? ""))
                        .ToList();
                }
                if (retryAfter is null && root.TryGetProperty("retryAfterSeconds", out var seconds) && seconds.TryGetInt32(out var s))
                {
                    retryAfter = TimeSpan.FromSeconds(s);
                }
            }
        }
        catch (JsonException)
        {
            detail = text.Length > 0 ? text : null;
        }
        return BerthApiException.Create(status, title ?? response.ReasonPhrase, detail ?? (text.Length > 0 ? text : null), field, errors, retryAfter, instance);
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Lines of an NDJSON answer as they come, each read as <typeparamref name="T"/>.</summary>
    internal static async IAsyncEnumerable<T> ReadNdJsonAsync<T>(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (response)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0) continue;
                if (JsonSerializer.Deserialize<T>(line, Json) is { } item) yield return item;
            }
        }
    }

    /// <summary>The <c>data:</c> of each server-sent event named <paramref name="eventType"/> (any, when null), read as <typeparamref name="T"/>.</summary>
    internal static async IAsyncEnumerable<T> ReadServerSentEventsAsync<T>(HttpResponseMessage response, string? eventType,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (response)
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in System.Net.ServerSentEvents.SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                if (eventType is not null && item.EventType != eventType) continue;
                if (item.Data.Length == 0) continue;
                if (JsonSerializer.Deserialize<T>(item.Data, Json) is { } value) yield return value;
            }
        }
    }

    /// <summary>The id an <c>Operation-Location: /operations/{id}</c> header names, if any.</summary>
    internal static string? OperationIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Operation-Location", out var values) && values.FirstOrDefault() is { } location
            ? location.TrimEnd('/').Split('/')[^1]
            : null;

    internal static bool IsStatus(BerthApiException ex, HttpStatusCode status) => ex.Status == (int)status;
}

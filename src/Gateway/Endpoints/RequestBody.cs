using System.Text;
using System.Text.Json;
using Berth.Gateway.Problems;

namespace Berth.Gateway.Endpoints;

/// <summary>Reads request bodies strictly: malformed JSON and unknown fields are 400s that say where.</summary>
public static class RequestBody
{
    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static async Task<string> ReadTextAsync(HttpRequest request, long maxBytes)
    {
        var bytes = await ReadBytesAsync(request, maxBytes);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new BadHttpRequestException("the body is not valid UTF-8");
        }
    }

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            throw new BadHttpRequestException($"the body is larger than {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new BadHttpRequestException($"the body is larger than {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Null (no error) for an empty optional body; a problem result for a bad one.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, bool optional, long maxBytes = 64 * 1024)
        where T : class
    {
        var text = await ReadTextAsync(request, maxBytes);
        if (string.IsNullOrWhiteSpace(text))
        {
            return optional ? (null, null) : (null, ProblemResults.BadRequest("body", "a JSON body is required"));
        }
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            && !type.Contains("+json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ProblemResults.Problem(StatusCodes.Status415UnsupportedMediaType, $"expected application/json, got '{type}'", "Content-Type"));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(text, Strict);
            return value is null
                ? (null, ProblemResults.BadRequest("body", "the body must be a JSON object"))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, ProblemResults.BadRequest(field, $"malformed JSON: {ex.Message}"));
        }
    }
}

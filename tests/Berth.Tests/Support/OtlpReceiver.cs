using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Berth.Tests.Support;

/// <summary>
/// An OTLP/HTTP collector on loopback (<c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): accepts every
/// export and keeps the spans of <c>POST /v1/traces</c>, read from the protobuf with the few fields
/// the tests look at. Metrics exports are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : LoopbackHttpListener
{
    /// <summary>One exported span: the exporting process's <c>service.name</c>, its trace id (hex) and name, its string attributes.</summary>
    public sealed record Span(string Service, string TraceId, string Name, IReadOnlyDictionary<string, string> Attributes);

    /// <summary>Bounds what a long test run keeps: the shared deployment exports every test's spans.</summary>
    private const int MaxSpans = 200_000;

    private readonly ConcurrentQueue<Span> _spans = new();

    /// <summary>What a silo or gateway needs to export here, with a short batch delay so spans arrive soon.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{Port}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };

    public IReadOnlyList<Span> Spans => [.. _spans];

    public IEnumerable<Span> SpansOf(string traceId) => _spans.Where(s => s.TraceId == traceId);

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        if (context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v1/traces")
        {
            foreach (var span in ReadTraces(body.ToArray())) _spans.Enqueue(span);
            while (_spans.Count > MaxSpans && _spans.TryDequeue(out _))
            {
            }
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
    }

    // opentelemetry/proto/collector/trace/v1: ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2 }, Resource { repeated KeyValue attributes = 1 }
    // ScopeSpans { repeated Span spans = 2 }, Span { bytes trace_id = 1; string name = 5; repeated KeyValue attributes = 9 }
    internal static IEnumerable<Span> ReadTraces(byte[] request)
    {
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1) continue;
            var service = "";
            var spans = new List<(byte[] TraceId, string Name, Dictionary<string, string> Attributes)>();
            foreach (var (rsField, rsValue) in Fields(resourceSpans))
            {
                if (rsField == 1) service = Attributes(rsValue, 1).GetValueOrDefault("service.name", "");
                if (rsField != 2) continue;
                foreach (var (ssField, span) in Fields(rsValue))
                {
                    if (ssField != 2) continue;
                    byte[] traceId = [];
                    var name = "";
                    foreach (var (spanField, spanValue) in Fields(span))
                    {
                        if (spanField == 1) traceId = spanValue;
                        if (spanField == 5) name = Encoding.UTF8.GetString(spanValue);
                    }
                    spans.Add((traceId, name, Attributes(span, 9)));
                }
            }
            foreach (var (traceId, name, attributes) in spans) yield return new Span(service, Convert.ToHexStringLower(traceId), name, attributes);
        }
    }

    /// <summary>The string-valued KeyValues of field <paramref name="field"/> (KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string_value = 1 }).</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (f, keyValue) in Fields(message))
        {
            if (f != field) continue;
            string? key = null, value = null;
            foreach (var (kvField, kvValue) in Fields(keyValue))
            {
                if (kvField == 1) key = Encoding.UTF8.GetString(kvValue);
                if (kvField == 2)
                {
                    foreach (var (anyField, anyValue) in Fields(kvValue))
                    {
                        if (anyField == 1) value = Encoding.UTF8.GetString(anyValue);
                    }
                }
            }
            if (key is not null && value is not null) attributes[key] = value;
        }
        return attributes;
    }

    /// <summary>The length-delimited fields of a protobuf message; varints and fixed-width fields are skipped.</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    yield return (field, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7} at {position}");
            }
        }
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("varint longer than 64 bits");
    }
}

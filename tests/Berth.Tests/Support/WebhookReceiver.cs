using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Berth.Tests.Support;

/// <summary>A webhook target on loopback that records every delivery and answers <see cref="Status"/>.</summary>
public sealed class WebhookReceiver : LoopbackHttpListener
{
    public sealed record Delivery(string Body, IReadOnlyDictionary<string, string> Headers);

    public string Url => $"http://127.0.0.1:{Port}/hook";

    public volatile int Status = 200;

    public ConcurrentQueue<Delivery> Deliveries { get; } = new();

    protected override async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        Deliveries.Enqueue(new Delivery(body, headers));
        context.Response.StatusCode = Status;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Berth.Bench;

/// <summary>
/// A bare Kestrel endpoint in this process, answering a status-sized JSON body: the ceiling for
/// the gateway's status throughput on this machine, measured with the same client in the same run.
/// </summary>
public sealed class BareKestrel : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareKestrel(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<BareKestrel> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/tenants/{tenantId}/status", (string tenantId) => Results.Json(new { tenantId, claims = Array.Empty<object>() }));
        await app.StartAsync();
        return new BareKestrel(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

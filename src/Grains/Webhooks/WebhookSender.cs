using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Berth.Configuration;
using Microsoft.Extensions.Options;

namespace Berth.Webhooks;

/// <summary>
/// Sends one delivery. The connection goes only to addresses <see cref="WebhookTargets"/> allows,
/// checked while connecting (not only when the webhook was created), with no proxy and no
/// redirects (either would lead elsewhere than the checked address). Never throws.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string EventIdHeader = "Berth-Event-Id";
    public const string EventTypeHeader = "Berth-Event-Type";
    public const string WebhookIdHeader = "Berth-Webhook-Id";

    /// <summary>Enough of a receiver's error answer to say what went wrong, not to store pages of HTML.</summary>
    private const int MaxErrorBody = 200;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public WebhookSender(WebhookTargets targets, IOptions<BerthOptions> options)
    {
        _timeout = options.Value.Webhooks.RequestTimeout;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = _timeout < TimeSpan.FromSeconds(5) ? _timeout : TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            MaxResponseHeadersLength = 64,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await targets.ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
                Exception? last = null;
                foreach (var address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(address, context.DnsEndPoint.Port, cancellationToken);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch (Exception ex) when (ex is SocketException)
                    {
                        socket.Dispose();
                        last = ex;
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                }
                throw last ?? new SocketException((int)SocketError.HostUnreachable);
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Berth-Webhooks", "1"));
    }

    public async Task<WebhookOutcome> SendAsync(Uri url, string webhookId, string secret, long eventId, string eventType, string body, long unixSeconds)
    {
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(EventIdHeader, eventId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(EventTypeHeader, eventType);
            request.Headers.Add(WebhookIdHeader, webhookId);
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, unixSeconds, bytes));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return WebhookOutcome.Ok(status);
            var text = await ReadSomeAsync(response, timeout.Token);
            return WebhookOutcome.Failed($"HTTP {status}{(text.Length > 0 ? ": " + text : "")}", status);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return WebhookOutcome.Failed($"no answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookTargetException refused)
        {
            return WebhookOutcome.Failed($"target refused: {refused.Message}");
        }
        catch (Exception ex)
        {
            return WebhookOutcome.Failed(ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message);
        }
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBody];
            var read = await stream.ReadAtLeastAsync(buffer, MaxErrorBody, throwOnEndOfStream: false, cancellationToken);
            return Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
        }
        catch (Exception)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();
}

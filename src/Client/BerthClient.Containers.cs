using System.Net.WebSockets;
using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/tenants/{id}/exec</c>, <c>/logs</c> and <c>/files</c>: a tenant's claimed container.</summary>
public sealed partial class BerthClient
{
    private const string NdJson = "application/x-ndjson";

    /// <summary>Runs a command and answers once it ended, with its whole (bounded) output.</summary>
    public Task<ExecResult> ExecAsync(string tenantId, ExecRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<ExecResult>(() => Request(HttpMethod.Post, $"/tenants/{Escape(tenantId)}/exec", JsonBody(request)), cancellationToken);

    /// <summary>Runs a command and yields its output as it comes; the last line is its end (<see cref="OutputLine.IsEnd"/>) with the exit code.</summary>
    public async IAsyncEnumerable<OutputLine> StreamExecAsync(string tenantId, ExecRequest request,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(() => Request(HttpMethod.Post, $"/tenants/{Escape(tenantId)}/exec", JsonBody(request), NdJson),
            cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await foreach (var line in ReadNdJsonAsync<OutputLine>(response, cancellationToken)) yield return line;
    }

    /// <summary>The container's output, streamed; with <paramref name="follow"/> until the container stops or the caller cancels.</summary>
    public async IAsyncEnumerable<OutputLine> StreamLogsAsync(string tenantId, string? workload = null, int? tail = null, string? since = null,
        bool follow = false, string? service = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(("workload", workload), ("service", service), ("tail", Text(tail)), ("since", since), ("follow", follow ? "true" : null));
        var response = await SendAsync(() => Request(HttpMethod.Get, $"/tenants/{Escape(tenantId)}/logs{query}", accept: NdJson),
            cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await foreach (var line in ReadNdJsonAsync<OutputLine>(response, cancellationToken)) yield return line;
    }

    /// <summary>One file's bytes (or a directory as a tar) from the container, copied into <paramref name="destination"/>.</summary>
    public async Task<bool> DownloadFileAsync(string tenantId, string path, Stream destination, string? workload = null, string? service = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => Request(HttpMethod.Get, $"/tenants/{Escape(tenantId)}/files" + Query(("path", path), ("workload", workload), ("service", service)), accept: "*/*"),
            cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.CopyToAsync(destination, cancellationToken);
        return response.Content.Headers.ContentType?.MediaType == "application/x-tar";
    }

    /// <summary>Writes one file (or, with <paramref name="tar"/>, extracts a tar into the directory <paramref name="path"/>).</summary>
    public async Task UploadFileAsync(string tenantId, string path, byte[] content, bool tar = false, string? workload = null, string? service = null, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() =>
        {
            var body = new ByteArrayContent(content);
            body.Headers.ContentType = new(tar ? "application/x-tar" : "application/octet-stream");
            return Request(HttpMethod.Put, $"/tenants/{Escape(tenantId)}/files" + Query(("path", path), ("workload", workload), ("service", service)), body);
        }, cancellationToken);
    }

    /// <summary>
    /// An interactive exec's WebSocket (<c>/tenants/{id}/exec/ws</c>): binary frames in are stdin, binary frames out start with
    /// the stream (1 stdout, 2 stderr), and a text frame <c>{"type":"exit","exitCode":…}</c> ends it. See <see cref="InteractiveExec"/>.
    /// </summary>
    public async Task<InteractiveExec> ConnectExecAsync(string tenantId, IReadOnlyList<string> command, bool tty = true, string? workload = null,
        string? service = null, CancellationToken cancellationToken = default)
    {
        var socket = new ClientWebSocket();
        if (Options.ApiKey is { Length: > 0 } key) socket.Options.SetRequestHeader("Authorization", $"Bearer {key}");
        var query = string.Join('&', command.Select(c => "cmd=" + Uri.EscapeDataString(c)).Append("tty=" + (tty ? "true" : "false"))
            .Concat(workload is null ? [] : ["workload=" + Uri.EscapeDataString(workload)])
            .Concat(service is null ? [] : ["service=" + Uri.EscapeDataString(service)]));
        var http = UriOf($"/tenants/{Escape(tenantId)}/exec/ws?{query}");
        var uri = new UriBuilder(http) { Scheme = http.Scheme == "https" ? "wss" : "ws" }.Uri;
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not 0 and not System.Net.HttpStatusCode.SwitchingProtocols)
        {
            var status = (int)socket.HttpStatusCode;
            socket.Dispose();
            throw BerthApiException.Create(status, null, $"the gateway refused the interactive exec ({status})");
        }
        return new InteractiveExec(socket);
    }
}

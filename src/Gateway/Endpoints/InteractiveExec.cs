using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Grains;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>GET /tenants/{tenantId}/exec/ws?cmd=sh&amp;cmd=-l&amp;tty=true</c>, a WebSocket. Client to
/// gateway: binary frames are stdin; text frames are control messages
/// (<c>{"type":"resize","cols":120,"rows":40}</c>, <c>{"type":"eof"}</c>). Gateway to client:
/// binary frames whose first byte names the stream (1 stdout, 2 stderr) and the rest is output, then
/// a text frame <c>{"type":"exit","exitCode":0}</c> and the close. Closing the socket kills the command.
/// </summary>
public static class InteractiveExec
{
    public const byte Stdout = 1;
    public const byte Stderr = 2;

    private sealed record Control(string? Type, int? Cols, int? Rows);

    public static async Task RunAsync(HttpContext context, string tenantId, string? workload, string? service, bool? tty, IClusterClient cluster, GrainCallRetry retry, TenantActivity activity)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ProblemResults.Problem(StatusCodes.Status400BadRequest, "connect with a WebSocket (Upgrade: websocket); for one command, POST /tenants/{tenantId}/exec", "Upgrade").ExecuteAsync(context);
            return;
        }
        var command = context.Request.Query["cmd"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToArray();
        if (command.Length == 0) command = ["/bin/sh"];
        var (claim, containerId, host, problem) = await ContainerAccessEndpoints.TargetAsync(tenantId, workload, service, cluster, retry, activity);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }
        var auditCommand = string.Join(' ', command);
        context.Items[ContainerAccessEndpoints.AuditDetailItem] = $"[{auditCommand}] on {claim!.Workload} (interactive)";
        var sessionId = await host!.OpenExec(containerId!, new ExecRequest { Command = command, Tty = tty ?? true, Interactive = true });
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var output = PumpOutputAsync(host, sessionId, socket, done.Token);
        try
        {
            await PumpInputAsync(host, sessionId, socket, () => activity.Record(tenantId), done.Token);
        }
        finally
        {
            await done.CancelAsync();
            var end = await output;
            await host.CloseExec(sessionId);
            context.Items[ContainerAccessEndpoints.AuditDetailItem] = $"[{auditCommand}] on {claim.Workload} (interactive): " +
                (end?.ExitCode is { } code ? $"exit {code}" : "closed by the client");
        }
    }

    private static async Task<ExecEvent?> PumpOutputAsync(IAgentHostGrain host, string sessionId, WebSocket socket, CancellationToken cancellationToken)
    {
        ExecEvent? end = null;
        try
        {
            await foreach (var e in host.ReadExec(sessionId, cancellationToken).WithCancellation(cancellationToken))
            {
                if (e.Output is { } chunk)
                {
                    var frame = new byte[chunk.Data.Length + 1];
                    frame[0] = chunk.Stream == OutputStream.Stderr ? Stderr : Stdout;
                    chunk.Data.CopyTo(frame, 1);
                    await socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                }
                if (e.Ended)
                {
                    end = e;
                    var exit = JsonSerializer.Serialize(new { type = "exit", exitCode = e.ExitCode });
                    await socket.SendAsync(Encoding.UTF8.GetBytes(exit), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "command exited", cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client left, or the input side ended the exchange.
        }
        return end;
    }

    private static async Task PumpInputAsync(IAgentHostGrain host, string sessionId, WebSocket socket, Action active, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer, cancellationToken);
                    message.Write(buffer, 0, received.Count);
                }
                while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);
                active();
                switch (received.MessageType)
                {
                    case WebSocketMessageType.Close:
                        if (socket.State == WebSocketState.CloseReceived) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                        return;
                    case WebSocketMessageType.Binary:
                        await host.WriteExec(sessionId, message.ToArray());
                        break;
                    case WebSocketMessageType.Text:
                        await ControlAsync(host, sessionId, socket, Encoding.UTF8.GetString(message.ToArray()), cancellationToken);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client went away.
        }
    }

    private static async Task ControlAsync(IAgentHostGrain host, string sessionId, WebSocket socket, string text, CancellationToken cancellationToken)
    {
        Control? control;
        try
        {
            control = JsonSerializer.Deserialize<Control>(text, RequestBody.Strict);
        }
        catch (JsonException ex)
        {
            control = null;
            text = ex.Message;
        }
        switch (control?.Type)
        {
            case "resize" when control.Cols is > 0 and <= 1000 && control.Rows is > 0 and <= 1000:
                await host.ResizeExec(sessionId, control.Cols.Value, control.Rows.Value);
                break;
            case "eof":
                await host.CloseExecInput(sessionId);
                break;
            default:
                // Told, not fatal: a terminal client with a typo keeps its session.
                var error = JsonSerializer.Serialize(new { type = "error", detail = $"unknown control message (expected resize with cols and rows 1-1000, or eof): {text}" });
                await socket.SendAsync(Encoding.UTF8.GetBytes(error), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                break;
        }
    }
}

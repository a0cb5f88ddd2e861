using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Berth.Client;

/// <summary>An open interactive exec: send stdin, resize the terminal, read output until the exit frame.</summary>
public sealed class InteractiveExec(ClientWebSocket socket) : IAsyncDisposable
{
    public const byte Stdout = 1;
    public const byte Stderr = 2;

    public WebSocket Socket => socket;

    public Task SendInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        socket.SendAsync(data, WebSocketMessageType.Binary, true, cancellationToken).AsTask();

    public Task ResizeAsync(int cols, int rows, CancellationToken cancellationToken = default) =>
        SendControlAsync(new { type = "resize", cols, rows }, cancellationToken);

    /// <summary>Closes the command's stdin.</summary>
    public Task SendEofAsync(CancellationToken cancellationToken = default) => SendControlAsync(new { type = "eof" }, cancellationToken);

    private Task SendControlAsync(object message, CancellationToken cancellationToken) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message).AsMemory(), WebSocketMessageType.Text, true, cancellationToken).AsTask();

    /// <summary>Copies output to <paramref name="stdout"/> and <paramref name="stderr"/> until the exit frame; answers the exit code (null when the socket closed first).</summary>
    public async Task<long?> PumpOutputAsync(Stream stdout, Stream stderr, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (socket.State == WebSocketState.Open)
        {
            message.SetLength(0);
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close) return null;
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            var bytes = message.GetBuffer().AsMemory(0, (int)message.Length);
            if (result.MessageType == WebSocketMessageType.Binary && bytes.Length > 0)
            {
                var target = bytes.Span[0] == Stderr ? stderr : stdout;
                await target.WriteAsync(bytes[1..], cancellationToken);
                await target.FlushAsync(cancellationToken);
            }
            else if (result.MessageType == WebSocketMessageType.Text)
            {
                using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes.Span));
                if (doc.RootElement.TryGetProperty("type", out var type) && type.GetString() == "exit")
                {
                    return doc.RootElement.TryGetProperty("exitCode", out var code) && code.TryGetInt64(out var value) ? value : null;
                }
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (WebSocketException)
            {
                // The gateway closed first: nothing left to say.
            }
        }
        socket.Dispose();
    }
}

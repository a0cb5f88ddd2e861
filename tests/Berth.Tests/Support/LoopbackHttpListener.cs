using System.Net;

namespace Berth.Tests.Support;

/// <summary>An HTTP server on a free loopback port that hands every request to <see cref="HandleAsync"/> until disposed.</summary>
public abstract class LoopbackHttpListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    protected LoopbackHttpListener()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        // A subclass's field initializers have run by now (C# runs them before the base constructor).
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    /// <summary>Answers one request; the response is closed afterwards.</summary>
    protected abstract Task HandleAsync(HttpListenerContext context);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return; // stopped
            }
            try
            {
                await HandleAsync(context);
            }
            catch (Exception)
            {
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        GC.SuppressFinalize(this);
    }
}

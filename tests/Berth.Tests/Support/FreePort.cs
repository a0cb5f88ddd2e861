using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Berth.Tests.Support;

public static class FreePort
{
    // Below the kernel's ephemeral range (32768–60999 here): the ports Docker publishes containers on
    // and the local ports of outgoing connections come from that range, and either could take a port
    // between the moment it is chosen here and the moment a test process binds it.
    private const int First = 20_000;
    private const int End = 32_000;

    private static readonly ConcurrentDictionary<int, bool> Given = new();

    /// <summary>A loopback port that was free a moment ago and that this test run has not handed out before.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(First, End);
            if (!Given.TryAdd(port, true)) continue;
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken by something else on this machine: try another.
            }
        }
        throw new InvalidOperationException($"No free loopback port between {First} and {End} after 1,000 tries.");
    }
}

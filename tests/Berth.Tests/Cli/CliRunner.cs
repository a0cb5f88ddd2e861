using System.Text;
using Berth.Cli;
using Spectre.Console;

namespace Berth.Tests.Cli;

/// <summary>What one run of <c>berth</c> gave: its exit code and what it printed.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the real CLI in-process: its entry point with captured consoles, a given environment and (optionally) a fake HTTP handler.</summary>
public static class CliRunner
{
    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> environment, HttpMessageHandler? handler, params string[] args) =>
        RunWithStdinAsync(environment, handler, "", args);

    /// <summary>As above with <paramref name="stdin"/> as the raw standard input; raw stdout and stderr (exec -i) are added to the captured text.</summary>
    public static async Task<CliRun> RunWithStdinAsync(IReadOnlyDictionary<string, string?> environment, HttpMessageHandler? handler, string stdin, params string[] args)
    {
        var rawOut = new MemoryStream();
        var rawErr = new MemoryStream();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(stdout),
        });
        console.Profile.Width = 300;
        var context = new CliContext
        {
            Out = console,
            Error = stderr,
            In = new StringReader(""),
            InputRedirected = true,
            Environment = name => environment.TryGetValue(name, out var value) ? value : null,
            StandardInput = new MemoryStream(Encoding.UTF8.GetBytes(stdin)),
            StandardOutput = rawOut,
            StandardError = rawErr,
            Handler = handler,
        };
        var exit = await BerthCli.RunAsync(args, context);
        return new CliRun(exit, stdout + Encoding.UTF8.GetString(rawOut.ToArray()), stderr + Encoding.UTF8.GetString(rawErr.ToArray()));
    }

    /// <summary>A fake handler answering each request with what <paramref name="answer"/> makes of it.</summary>
    public sealed class FakeHandler(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private int _calls;

        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests) Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
            return Task.FromResult(answer(request, Interlocked.Increment(ref _calls)));
        }

        public static HttpResponseMessage Json(int status, string json, string mediaType = "application/json") =>
            new((System.Net.HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };
    }
}

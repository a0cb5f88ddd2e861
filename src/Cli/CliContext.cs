using Spectre.Console;

namespace Berth.Cli;

/// <summary>
/// Everything a command touches outside itself: the consoles, stdin, the environment, and the HTTP handler.
/// The program passes the process's own; tests pass captured ones and run the CLI in-process.
/// </summary>
public sealed class CliContext
{
    public required IAnsiConsole Out { get; init; }
    public required TextWriter Error { get; init; }
    public TextReader In { get; init; } = Console.In;

    /// <summary>True when stdin is a pipe or file: nobody can answer a prompt.</summary>
    public bool InputRedirected { get; init; } = Console.IsInputRedirected;

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public Stream StandardInput { get; init; } = Stream.Null;

    public Stream StandardOutput { get; init; } = Stream.Null;

    public Stream StandardError { get; init; } = Stream.Null;

    public HttpMessageHandler? Handler { get; init; }

    /// <summary><c>--json</c>, on every command. One per context: a symbol keeps its parents, so command trees built at once must not share it.</summary>
    public System.CommandLine.Option<bool> JsonOption { get; } = new("--json")
    {
        Description = "Print machine-readable JSON (camelCase) instead of tables",
        Recursive = true,
    };

    /// <summary>The raw writer behind <see cref="Out"/>: JSON and streamed output go there unwrapped and without markup.</summary>
    public TextWriter Raw => Out.Profile.Out.Writer;

    public static CliContext ForProcess()
    {
        var console = AnsiConsole.Console;
        // A pipe has no width: wrapping tables at 80 columns would break the lines scripts read.
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = int.TryParse(System.Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 240;
        }
        return new CliContext
        {
            Out = console,
        Error = Console.Error,
        StandardInput = Console.OpenStandardInput(),
        StandardOutput = Console.OpenStandardOutput(),
            StandardError = Console.OpenStandardError(),
        };
    }
}

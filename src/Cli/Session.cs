using Berth.Client;

namespace Berth.Cli;

/// <summary>One command's connection: the client on the resolved URL and key, and whether to print JSON.</summary>
public sealed class Session(CliContext context, BerthClient client, bool json) : IDisposable
{
    public CliContext Context { get; } = context;
    public BerthClient Client { get; } = client;
    public bool Json { get; } = json;

    /// <summary>The gateway of <c>BERTH_URL</c>/<c>BERTH_KEY</c> when set (they win), else of the config file.</summary>
    public static Session Open(CliContext context, bool json)
    {
        var (url, key) = Resolve(context);
        if (url is null)
        {
            throw new CliException(ExitCodes.Usage, $"no gateway: run 'berth login URL --key KEY' or set {CliConfig.UrlVariable} (and {CliConfig.KeyVariable})");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{url}' is not an http(s) URL");
        }
        return new Session(context, new BerthClient(new BerthClientOptions { BaseAddress = uri, ApiKey = key }, context.Handler), json);
    }

    public static (string? Url, string? Key) Resolve(CliContext context)
    {
        var config = CliConfig.Load(CliConfig.PathOf(context.Environment));
        var url = context.Environment(CliConfig.UrlVariable) is { Length: > 0 } u ? u : config.Url;
        var key = context.Environment(CliConfig.KeyVariable) is { Length: > 0 } k ? k : config.Key;
        return (url, key);
    }

    public void Emit<T>(T value, Action<Spectre.Console.IAnsiConsole> human) => Output.Emit(Context, Json, value, human);

    public void Dispose() => Client.Dispose();
}

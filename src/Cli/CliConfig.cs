using System.Text.Json;

namespace Berth.Cli;

/// <summary>
/// The saved gateway URL and key (<c>berth login</c>), in <c>$BERTH_CONFIG</c>, else <c>$XDG_CONFIG_HOME/berth/config.json</c>,
/// else <c>~/.config/berth/config.json</c>; written 0600 because it holds a key. <c>BERTH_URL</c> and <c>BERTH_KEY</c> win over it.
/// </summary>
public sealed record CliConfig(string? Url, string? Key)
{
    public const string UrlVariable = "BERTH_URL";
    public const string KeyVariable = "BERTH_KEY";
    public const string PathVariable = "BERTH_CONFIG";

    public static string PathOf(Func<string, string?> env)
    {
        if (env(PathVariable) is { Length: > 0 } explicitPath) return explicitPath;
        var root = env("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(env("HOME") is { Length: > 0 } home ? home : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "berth", "config.json");
    }

    public static CliConfig Load(string path)
    {
        if (!File.Exists(path)) return new CliConfig(null, null);
        try
        {
            return JsonSerializer.Deserialize<CliConfig>(File.ReadAllText(path), Output.Json) ?? new CliConfig(null, null);
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not valid JSON ({ex.Message}); run berth login again");
        }
    }

    /// <summary>Writes the file owner-only (0600, its directory 0700) before any byte of the key is in it.</summary>
    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            // An existing file keeps its mode on open: narrow it first.
            if (File.Exists(path)) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using var stream = new FileStream(path, options);
        JsonSerializer.Serialize(stream, this, Output.JsonIndented);
    }
}

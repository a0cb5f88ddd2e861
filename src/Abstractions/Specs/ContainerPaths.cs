namespace Berth.Specs;

/// <summary>
/// Paths inside a container as the files API takes them (the rules of snapshot paths): absolute,
/// no <c>..</c>, no control characters; <c>.</c> segments and repeated slashes collapse.
/// </summary>
public static class ContainerPaths
{
    /// <summary>The normalized path, or null with the reason it is refused.</summary>
    public static (string? Path, string? Problem) Normalize(string? path)
    {
        if (string.IsNullOrEmpty(path)) return (null, "path is required (an absolute path inside the container)");
        if (!path.StartsWith('/')) return (null, "path must be absolute (start with /)");
        if (path.Any(char.IsControl)) return (null, "path must not contain control characters");
        var segments = path.Split('/').Where(s => s is not ("" or ".")).ToArray();
        if (segments.Contains("..")) return (null, "path must not contain .. segments");
        return ("/" + string.Join('/', segments), null);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or inside it.</summary>
    public static bool IsWithin(string path, string directory) =>
        path == directory || path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal);
}

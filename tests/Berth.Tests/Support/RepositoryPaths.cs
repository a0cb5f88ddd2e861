namespace Berth.Tests.Support;

/// <summary>Finds the silo and gateway binaries built alongside the tests.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string SiloDll => Binary("Silo", "Berth.Silo.dll");

    public static string GatewayDll => Binary("Gateway", "Berth.Gateway.dll");

    private static string Binary(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is not built; run the tests through Orleans.sln or scripts/test.sh");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Orleans.sln not found above the test binaries");
    }
}

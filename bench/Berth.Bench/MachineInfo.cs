namespace Berth.Bench;

/// <summary>What the numbers were measured on, printed and stored with them.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Memory, string Os, string Runtime, string DockerVersion, string LoadAtStart)
{
    public static MachineInfo Describe(string dockerVersion) => new(
        ReadFirst("/proc/cpuinfo", "model name") ?? "unknown",
        Environment.ProcessorCount,
        ReadFirst("/proc/meminfo", "MemTotal") ?? "unknown",
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        dockerVersion,
        LoadAverage());

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string? ReadFirst(string path, string key) =>
        File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
}

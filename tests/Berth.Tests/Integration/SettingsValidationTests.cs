using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>A bad setting stops a silo or the gateway at start, and the error names the setting.</summary>
public sealed class SettingsValidationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_silo_with_a_zero_pool_tick_does_not_start_and_names_the_setting()
    {
        var output = await RunUntilExitAsync("silo", RepositoryPaths.SiloDll, [], new Dictionary<string, string>
        {
            ["Database__Provider"] = "Memory",
            ["Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Berth__PoolTickInterval"] = "00:00:00",
        });
        Assert.Contains("Berth:PoolTickInterval must be a positive duration", output);
    }

    [Fact]
    public async Task A_gateway_with_a_default_link_ttl_above_the_maximum_does_not_start_and_names_the_setting()
    {
        var output = await RunUntilExitAsync("gateway", RepositoryPaths.GatewayDll, ["--urls", $"http://127.0.0.1:{FreePort.Next()}"], new Dictionary<string, string>
        {
            ["Database__Provider"] = "Memory",
            ["Gateway__SiloGatewayPorts__0"] = FreePort.Next().ToString(),
            ["Gateway__Proxy__DefaultLinkTtl"] = "30.00:00:00",
        });
        Assert.Contains("Gateway:Proxy:DefaultLinkTtl must be positive and at most Gateway:Proxy:MaxLinkTtl", output);
    }

    private static async Task<string> RunUntilExitAsync(string name, string dll, string[] args, Dictionary<string, string> environment)
    {
        var directory = Path.Combine(Path.GetTempPath(), "berth-tests", $"settings-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(directory);
        using var process = new BerthProcess(name, dll, args, environment, Path.Combine(directory, $"{name}.log"));
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"the {name} did not stop on a bad setting:\n{process.Tail()}");
        }
        var output = string.Join("\n", process.Output);
        Assert.True(process.ExitCode != 0, $"the {name} exited with 0:\n{output}");
        return output;
    }
}

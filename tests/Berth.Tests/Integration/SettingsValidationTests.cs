using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>A bad setting stops a silo or the gateway at start, and the error names the setting.</summary>
public sealed class SettingsValidationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>Each bad setting, and the start of the message that must name it; one silo start takes them all.</summary>
    public static readonly TheoryData<string, string, string> BadSiloSettings = new()
    {
        { "Berth__PoolTickInterval", "00:00:00", "Berth:PoolTickInterval must be a positive duration" },
        { "Berth__Events__PollInterval", "00:00:00", "Berth:Events:PollInterval must be a positive duration" },
        { "Berth__Webhooks__MaxAttempts", "0", "Berth:Webhooks:MaxAttempts must be at least 1" },
        { "Berth__Webhooks__AllowPrivateTargets__0", "10.0.0.0/40", "Berth:Webhooks:AllowPrivateTargets: '10.0.0.0/40' is neither a CIDR range nor an address" },
        { "Berth__Security__EgressDeny__0", "gateway.internal", "Berth:Security:EgressDeny: 'gateway.internal' is neither a CIDR range nor an address" },
        { "Berth__Security__DefaultCpus", "0", "Berth:Security:DefaultCpus must be above 0" },
        { "Berth__Security__StackSubnets", "10.213.0.0/29", "Berth:Security:StackSubnets must be an IPv4 CIDR range of /27 or larger" },
        { "Berth__Hosts__0__Endpoint", "docker.sock", "Berth:Hosts:0:Endpoint must be an absolute address" },
        { "Berth__Hosts__0__PublishAddress", "localhost", "Berth:Hosts:0:PublishAddress must be an IP address" },
        { "Berth__SecretsKey", "c2hvcnQ=", "Berth:SecretsKey must be 32 bytes, base64-encoded" },
        { "Berth__Snapshots__S3__KeyPrefix", "berth/", "Berth:Snapshots:S3:KeyPrefix must contain ${tenantId}" },
        { "Silo__AdvertisedAddress", "somewhere", "Silo:AdvertisedAddress must be an IP address or auto" },
        { "Silo__MetricsPort", "70000", "Silo:MetricsPort must be a port" },
    };

    public static readonly TheoryData<string, string, string> BadGatewaySettings = new()
    {
        { "Gateway__Proxy__DefaultLinkTtl", "30.00:00:00", "Gateway:Proxy:DefaultLinkTtl must be positive and at most Gateway:Proxy:MaxLinkTtl" },
        { "Gateway__Proxy__Domain", "proxy example", "Gateway:Proxy:Domain must be a DNS name" },
        { "Gateway__RateLimit__Burst", "0", "Gateway:RateLimit:Burst must be at least 1" },
        { "Gateway__Access__MaxFileBytes", "0", "Gateway:Access:MaxFileBytes must be at least 1" },
        { "Auth__BootstrapAdminKey", "letmein", "Auth:BootstrapAdminKey must look like bk_{id}_{secret}" },
    };

    [Fact]
    public async Task A_silo_with_bad_settings_does_not_start_and_names_each_one()
    {
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Memory",
            ["Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Berth__Hosts__0__Id"] = "bad-host",
        };
        foreach (var (setting, value, _) in Rows(BadSiloSettings)) environment[setting] = value;
        var output = await RunUntilExitAsync("silo", RepositoryPaths.SiloDll, [], environment);
        AssertNamesEach(BadSiloSettings, output);
    }

    [Fact]
    public async Task A_gateway_with_bad_settings_does_not_start_and_names_each_one()
    {
        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Memory",
            ["Gateway__SiloGatewayPorts__0"] = FreePort.Next().ToString(),
        };
        foreach (var (setting, value, _) in Rows(BadGatewaySettings)) environment[setting] = value;
        var output = await RunUntilExitAsync("gateway", RepositoryPaths.GatewayDll, ["--urls", $"http://127.0.0.1:{FreePort.Next()}"], environment);
        AssertNamesEach(BadGatewaySettings, output);
    }

    private static IEnumerable<(string Setting, string Value, string Message)> Rows(TheoryData<string, string, string> table) =>
        table.Select(row => ((string)row[0], (string)row[1], (string)row[2]));

    private static void AssertNamesEach(TheoryData<string, string, string> table, string output)
    {
        var missing = Rows(table).Where(row => !output.Contains(row.Message, StringComparison.Ordinal)).Select(row => $"{row.Setting}={row.Value}: \"{row.Message}\"").ToList();
        Assert.True(missing.Count == 0, $"not named:\n{string.Join("\n", missing)}\n--- output ---\n{output}");
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

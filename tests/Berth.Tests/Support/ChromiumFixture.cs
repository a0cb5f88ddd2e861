using Microsoft.Playwright;

namespace Berth.Tests.Support;

/// <summary>One headless Debian chromium, driven by Playwright, for a test class; each test opens its own context.</summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException($"Chromium is unavailable: {ChromiumRequirement.Unavailable}");

    public async Task InitializeAsync()
    {
        if (ChromiumRequirement.Unavailable is { } reason)
        {
            if (ChromiumRequirement.Required) throw new InvalidOperationException($"Chromium is required here but unavailable: {reason}");
            return; // Every test of the class is skipped by [ChromiumDockerFact].
        }
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumRequirement.ExecutablePath,
            Headless = true,
            // Tests run as root (no user namespace sandbox) and in containers with a small /dev/shm.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

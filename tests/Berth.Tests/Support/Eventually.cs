namespace Berth.Tests.Support;

/// <summary>
/// Polls until a condition holds. The deadline only bounds a hung test; it is not a speed
/// assertion, so it is generous.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T last;
        while (true)
        {
            last = await probe();
            if (condition(last)) return last;
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last observed: {Describe(last)}");
            }
            await Task.Delay(100);
        }
    }

    public static Task Until(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Until(() => Task.FromResult(condition()), ok => ok, what, timeout);

    private static string Describe<T>(T value) =>
        value is null ? "null" : System.Text.Json.JsonSerializer.Serialize(value);
}

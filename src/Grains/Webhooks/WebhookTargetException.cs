namespace Berth.Webhooks;

/// <summary>A webhook target Berth refuses to reach (bad URL, unresolvable, or a private address not allowed).</summary>
public sealed class WebhookTargetException(string message) : Exception(message);

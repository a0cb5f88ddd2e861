using System.Net;
using System.Net.Sockets;
using Berth.Specs;

namespace Berth.Webhooks;

/// <summary>
/// Which URLs a webhook may have and which addresses a delivery may connect to. Public addresses
/// only, like a tenant's public egress (<see cref="EgressRanges"/>): loopback, link-local,
/// private, shared and reserved ranges are refused unless an administrator allows them
/// (<c>Berth:Webhooks:AllowPrivateTargets</c>); cloud metadata addresses are refused always.
/// Checked when a webhook is created, and again at every connection (DNS may have changed).
/// </summary>
public sealed class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(3);

    /// <summary>AWS/GCP/Azure/OpenStack, AWS ECS task metadata, Alibaba, AWS over IPv6.</summary>
    private static readonly IPAddress[] Metadata =
        [IPAddress.Parse("169.254.169.254"), IPAddress.Parse("169.254.170.2"), IPAddress.Parse("100.100.100.200"), IPAddress.Parse("fd00:ec2::254")];

    /// <summary>Besides <see cref="EgressRanges"/>: IPv6 site-local (deprecated, still routed by some) and the documentation/benchmark ranges.</summary>
    private static readonly IPNetwork[] AlsoRefused =
        [IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8::/32")];

    private readonly IPNetwork[] _allowed;

    public WebhookTargets(IEnumerable<string> allowPrivateTargets)
    {
        var allowed = new List<IPNetwork>();
        foreach (var entry in allowPrivateTargets)
        {
            if (IPNetwork.TryParse(entry, out var range)) allowed.Add(range);
            else if (IPAddress.TryParse(entry, out var address)) allowed.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else throw new InvalidOperationException($"Berth:Webhooks:AllowPrivateTargets: '{entry}' is neither a CIDR range nor an address");
        }
        _allowed = [.. allowed];
    }

    /// <summary>Why <paramref name="url"/> cannot be a webhook target by its form alone, or null.</summary>
    public static string? InvalidUrl(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url)) return "url is required";
        if (url.Length > MaxUrlLength) return $"url must be at most {MaxUrlLength} characters";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return "url must be an absolute http or https URL";
        }
        if (parsed.Host.Length == 0) return "url must name a host";
        if (parsed.UserInfo.Length > 0) return "url must not carry credentials (the signature authenticates Berth)";
        if (parsed.Fragment.Length > 0) return "url must not have a fragment";
        uri = parsed;
        return null;
    }

    /// <summary>Why a delivery may not connect to <paramref name="address"/>, or null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (Metadata.Contains(address)) return $"{address} is a cloud metadata address";
        if (_allowed.Any(n => n.BaseAddress.AddressFamily == address.AddressFamily && n.Contains(address))) return null;
        var range = EgressRanges.AlwaysDenied.Concat(EgressRanges.Private).Concat(AlsoRefused)
            .Where(n => n.BaseAddress.AddressFamily == address.AddressFamily)
            .Cast<IPNetwork?>()
            .FirstOrDefault(n => n!.Value.Contains(address));
        return range is { } r
            ? $"{address} is in {r}, which webhooks may not reach (an administrator can allow it with Berth:Webhooks:AllowPrivateTargets)"
            : null;
    }

    /// <summary>
    /// The addresses of <paramref name="host"/>, every one of them allowed; throws
    /// <see cref="WebhookTargetException"/> otherwise (one refused answer refuses the name, so a
    /// mixed DNS answer cannot smuggle a private address in).
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.TrimStart('[').TrimEnd(']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(name, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(name, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new WebhookTargetException($"{name} does not resolve ({ex.Message})");
            }
        }
        if (addresses.Length == 0) throw new WebhookTargetException($"{name} does not resolve");
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } reason) throw new WebhookTargetException($"{name}: {reason}");
        }
        return addresses;
    }

    /// <summary>Why <paramref name="url"/> may not be a webhook target now, or null.</summary>
    public async Task<string?> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        if (InvalidUrl(url, out var uri) is { } invalid) return invalid;
        try
        {
            await ResolveAsync(uri!.Host, cancellationToken);
            return null;
        }
        catch (WebhookTargetException ex)
        {
            return ex.Message;
        }
    }
}

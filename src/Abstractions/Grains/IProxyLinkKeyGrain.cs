namespace Berth.Grains;

/// <summary>
/// The cluster's key for signing proxy links (key 0): made once at random and stored, so every
/// gateway signs and checks the same links, and links outlive a gateway restart.
/// </summary>
[Alias("Berth.Grains.IProxyLinkKeyGrain")]
public interface IProxyLinkKeyGrain : IGrainWithIntegerKey
{
    [Alias("GetKey")]
    Task<byte[]> GetKey();
}

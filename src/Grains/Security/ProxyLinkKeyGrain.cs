using System.Security.Cryptography;
using Berth.Grains;
using Berth.Configuration;
using Berth.State;

namespace Berth.Security;

// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("proxylinkkey")]
public sealed class ProxyLinkKeyGrain(
    [PersistentState("proxy-link-key", StorageNames.Berth)] IPersistentState<ProxyLinkKeyState> state) : Grain, IProxyLinkKeyGrain
{
    public async Task<byte[]> GetKey()
    {
        if (state.State.Key is not { Length: 32 })
        {
            state.State.Key = RandomNumberGenerator.GetBytes(32);
            await state.WriteOrDeactivateAsync(this);
        }
        return state.State.Key;
    }
}

[GenerateSerializer, Alias("Berth.Security.ProxyLinkKeyState")]
public sealed class ProxyLinkKeyState
{
    [Id(0)] public byte[]? Key { get; set; }
}

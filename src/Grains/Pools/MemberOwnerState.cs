using Berth.Contracts;

namespace Berth.Pools;

[GenerateSerializer, Alias("Berth.Pools.MemberOwnerState")]
public sealed class MemberOwnerState
{
    [Id(0)] public MemberOwner? Owner { get; set; }
}

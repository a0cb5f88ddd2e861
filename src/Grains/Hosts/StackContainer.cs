namespace Berth.Hosts;

/// <summary>One container of a stack member as its labels describe it.</summary>
public sealed record StackContainer(string MemberId, string Service, string ContainerId, int Order, bool Primary);

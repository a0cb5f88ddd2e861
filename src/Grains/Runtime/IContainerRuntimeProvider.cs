namespace Berth.Runtime;

/// <summary>Resolves the runtime of a host id; a host grain asks for its own engine.</summary>
public interface IContainerRuntimeProvider
{
    IContainerRuntime Get(string hostId);

    IReadOnlyList<string> HostIds { get; }
}

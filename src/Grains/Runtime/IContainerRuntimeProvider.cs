using Berth.Configuration;

namespace Berth.Runtime;

/// <summary>Gives a host grain its engine: one client per host, made on first use (hosts may be registered at runtime).</summary>
public interface IContainerRuntimeProvider
{
    IContainerRuntime Get(DockerHostOptions host);
}

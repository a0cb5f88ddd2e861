using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// Where grains report lifecycle events. <see cref="Publish"/> never blocks a grain turn and never
/// throws: the publisher stores events in the background (in order of publication per silo).
/// </summary>
public interface IBerthEventPublisher
{
    /// <summary>Sequence and time are ignored: the store assigns them.</summary>
    void Publish(BerthEvent draft);
}

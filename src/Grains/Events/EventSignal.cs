namespace Berth.Events;

/// <summary>Wakes readers waiting in this process when events were stored or recorded.</summary>
public sealed class EventSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>The pulse after this call (take it before checking, so none is missed in between).</summary>
    public Task Next => Volatile.Read(ref _next).Task;
}

namespace Berth.State;

/// <summary>How Berth's grains write their state.</summary>
public static class PersistentStateWrites
{
    /// <summary>
    /// Writes the state; if that fails, the activation's memory may be ahead of storage, so the
    /// activation is dropped (the next call reactivates from what was really stored) before the
    /// error goes on.
    /// </summary>
    public static async Task WriteOrDeactivateAsync<T>(this IPersistentState<T> state, Grain activation)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            activation.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "its state could not be written"));
            throw;
        }
    }
}

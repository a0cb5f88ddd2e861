using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// The ids of the operations, newest first (a single grain, key 0): every unfinished one, and the
/// newest finished ones up to a bound, so that the list never grows with the cluster's age.
/// </summary>
[Alias("Berth.Grains.IOperationIndexGrain")]
public interface IOperationIndexGrain : IGrainWithIntegerKey
{
    /// <summary>An operation started or changed state (idempotent).</summary>
    [Alias("Record")]
    Task Record(OperationRecord operation);

    /// <summary>The ids matching the filter, newest first.</summary>
    [Alias("List")]
    Task<string[]> List(OperationFilter filter);
}

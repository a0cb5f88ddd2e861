using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// The owner of one claimed pool member (key: <c>{workload}/{memberId}</c>). The pool keeps no list
/// of claimed members in its state, so that a claim writes a few bytes there whatever the number of
/// tenants; this small record, written by the tenant once it holds the member, is how a pool that
/// restarted learns whose a container is (and that a container nobody holds is an orphan).
/// </summary>
[Alias("Berth.Grains.IMemberOwnerGrain")]
public interface IMemberOwnerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the owner, then confirms the claim to the member's pool (which then drops the
    /// handoff from its stored books). One-way, so a claim's answer never waits for it; one that is
    /// lost leaves the handoff in the pool's books, and its audit asks the tenant to announce again.
    /// </summary>
    [OneWay]
    [Alias("Record")]
    Task Record(MemberOwner owner);

    /// <summary>Records that the tenant moved on from the container of a down host (see <see cref="MemberOwner.StrandedSince"/>); durable when it returns.</summary>
    [Alias("Strand")]
    Task Strand(MemberOwner owner);

    /// <summary>
    /// Forgets the owner, if it is still <paramref name="tenantId"/> (a late clear never undoes a
    /// newer record). A stranded record stays until <paramref name="recovered"/>: its state is saved.
    /// </summary>
    [OneWay]
    [Alias("Clear")]
    Task Clear(string tenantId, bool recovered = false);

    /// <summary>Tells the member's pool who holds it (or that nobody does), through <see cref="IWorkloadPoolGrain.OnOwnerReported"/>.</summary>
    [OneWay]
    [Alias("ReportToPool")]
    Task ReportToPool();

    [Alias("Get")]
    Task<MemberOwner?> Get();

    static string KeyOf(string workload, string memberId) => $"{workload}/{memberId}";
}

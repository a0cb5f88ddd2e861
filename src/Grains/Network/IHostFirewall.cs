namespace Berth.Network;

/// <summary>
/// The firewall of the machine an engine runs on: what keeps a tenant container from reaching the
/// host, Berth, private ranges and other tenants (invariant 8). Installs the rules of one engine's
/// tenant networks idempotently; called before a container joins a network and on every sweep.
/// </summary>
public interface IHostFirewall
{
    Task<EgressEnforcement> EnforceAsync(string engineKey, IReadOnlyList<TenantNetwork> networks, CancellationToken cancellationToken);
}

/// <summary>The outcome: <see cref="Managed"/> when every network's rules are in place, else <see cref="Problem"/> says why not.</summary>
/// <param name="Notes">Things worth knowing that do not make the host unmanaged (an allowed name that did not resolve).</param>
public sealed record EgressEnforcement(bool Managed, string? Problem, IReadOnlyList<string> Notes)
{
    public static EgressEnforcement Unmanaged(string problem) => new(false, problem, []);
}

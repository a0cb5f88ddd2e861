using System.Net;
using Berth.Configuration;

namespace Berth.Silo;

/// <summary>
/// Orleans' Kubernetes hosting for a silo started with <c>Silo__Kubernetes=true</c> (deploy/kubernetes).
/// It names the silo after its pod, labels the pod with the cluster and service ids, and declares a
/// silo dead as soon as its pod is deleted, instead of waiting for missed probes.
/// </summary>
public static class KubernetesHosting
{
    public static ISiloBuilder UseBerthKubernetesHosting(this ISiloBuilder silo, SiloOptions siloOptions, DatabaseOptions database)
    {
        // Kubernetes hosting adds no membership of its own: pods find each other in PostgreSQL. On
        // SQLite or Memory every pod would be a cluster of one, with its own state.
        if (database.Provider != DatabaseProvider.Postgres)
            throw new InvalidOperationException($"Silo__Kubernetes=true needs Database__Provider=Postgres (it is {database.Provider})");
        // UseBerthDatabase has already set the endpoints, and Orleans' Kubernetes hosting keeps an address
        // that is set; so the pod's IP must come in as Silo__AdvertisedAddress (the manifests pass
        // status.podIP), or every silo would advertise loopback to the others.
        if (!siloOptions.AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase)
            && IPAddress.TryParse(siloOptions.AdvertisedAddress, out var address) && IPAddress.IsLoopback(address))
            throw new InvalidOperationException("Silo__Kubernetes=true needs Silo__AdvertisedAddress set to the pod's IP (status.podIP) or auto, not loopback");
        // The cluster and service ids stay Berth's settings (Berth__ClusterId, Silo__ServiceId): the
        // manifests set no ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID that would override them.
        return silo.UseKubernetesHosting();
    }
}

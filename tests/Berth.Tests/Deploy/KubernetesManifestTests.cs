using System.Text;
using Berth.Tests.Support;
using YamlDotNet.RepresentationModel;
using static Berth.Tests.Deploy.KubernetesManifests;

namespace Berth.Tests.Deploy;

/// <summary>
/// deploy/kubernetes is checked without a cluster (none is reachable here): the manifests parse, every
/// environment variable they set is a setting README.md documents (or a platform variable listed
/// below), every workload has probes or says why not, the Secrets hold placeholders only, and the
/// references between the files agree.
/// </summary>
public sealed class KubernetesManifestTests
{
    /// <summary>Variables that are not Berth settings, each with the reason it is set.</summary>
    private static readonly Dictionary<string, string> PlatformVariables = new(StringComparer.Ordinal)
    {
        ["POD_NAME"] = "Orleans' Kubernetes hosting names the silo after its pod (KubernetesHostingOptions)",
        ["POD_NAMESPACE"] = "Orleans' Kubernetes hosting watches the silo pods of this namespace",
        ["POD_IP"] = "Orleans' Kubernetes hosting reads the pod's address (Berth sets it as Silo__AdvertisedAddress too)",
    };

    /// <summary>The pod annotation by which a workload without probes says why it has none.</summary>
    private const string NoProbesAnnotation = "berth.dev/probes";

    private const string Placeholder = "REPLACE-ME";

    private static readonly string[] WorkloadKinds = ["Deployment", "DaemonSet", "StatefulSet"];

    private readonly KubernetesManifests _manifests = KubernetesManifests.Load(RepositoryPaths.Root);

    private IEnumerable<Document> Workloads => _manifests.Documents.Where(d => WorkloadKinds.Contains(d.Kind));

    private IEnumerable<(Document Workload, YamlMappingNode Container)> AllContainers =>
        Workloads.SelectMany(w => Containers(PodTemplate(w)).Select(c => (w, c)));

    [Fact]
    public void Kubernetes_manifests_are_there_and_hold_what_the_deployment_needs()
    {
        Assert.NotEmpty(_manifests.Files);
        Assert.NotEmpty(_manifests.Documents);
        foreach (var kind in new[] { "Namespace", "ServiceAccount", "Role", "RoleBinding", "Deployment", "DaemonSet", "Service", "Secret", "Kustomization" })
            Assert.True(_manifests.OfKind(kind).Any(), $"no {kind} in {KubernetesManifests.Directory}");
        Assert.All(Workloads, w => Assert.NotEmpty(Containers(PodTemplate(w))));
    }

    [Fact]
    public void Kubernetes_env_vars_are_documented_settings()
    {
        var documented = DocumentedSettings.FromReadme(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")));
        // A broken README parse must not pass for "everything documented".
        Assert.True(documented.Count > 50, $"only {documented.Count} settings read from README.md's Configuration table");

        var names = AllContainers.SelectMany(x => Env(x.Container).Select(e => (x.Workload, Name: Scalar(e, "name") ?? ""))).ToList();
        Assert.NotEmpty(names);
        var undocumented = names
            .Where(n => !PlatformVariables.ContainsKey(n.Name) && !documented.Documents(n.Name))
            .Select(n => $"{n.Workload.File} {n.Workload.Name}: {n.Name}")
            .ToList();
        Assert.True(undocumented.Count == 0, "not in README.md's Configuration table:\n" + string.Join("\n", undocumented));

        // envFrom would set variables this check cannot see.
        var withEnvFrom = AllContainers.Where(x => Child(x.Container, "envFrom") is not null).Select(x => x.Workload.Name).ToList();
        Assert.True(withEnvFrom.Count == 0, "envFrom hides variable names from this check: " + string.Join(", ", withEnvFrom));
    }

    [Fact]
    public void Kubernetes_workloads_have_probes_or_say_why_not()
    {
        Assert.NotEmpty(Workloads);
        foreach (var workload in Workloads)
        {
            var template = PodTemplate(workload);
            var reason = Scalar(Child(template, "metadata") is { } metadata ? Child(metadata, "annotations") : null, NoProbesAnnotation);
            if (reason is { Length: > 0 })
            {
                Assert.True(reason.StartsWith("none:", StringComparison.Ordinal) && reason.Length > 40,
                    $"{workload.File} {workload.Name}: {NoProbesAnnotation} must read 'none: <why>'");
                continue;
            }
            // Init containers run to completion and take no probes.
            foreach (var container in Containers(template, withInit: false))
            {
                var name = Scalar(container, "name");
                Assert.True(Child(container, "livenessProbe") is not null, $"{workload.File} {workload.Name}/{name}: no livenessProbe and no {NoProbesAnnotation} reason");
                Assert.True(Child(container, "readinessProbe") is not null, $"{workload.File} {workload.Name}/{name}: no readinessProbe and no {NoProbesAnnotation} reason");
            }
        }

        // The gateway's probes are its health endpoints.
        var gateway = Assert.Single(_manifests.OfKind("Deployment"), d => d.Name == "berth-gateway");
        var gatewayContainer = Assert.Single(Containers(PodTemplate(gateway), withInit: false));
        Assert.Equal("/healthz", Scalar(Child(gatewayContainer, "livenessProbe") is { } live ? Child(live, "httpGet") : null, "path"));
        Assert.Equal("/readyz", Scalar(Child(gatewayContainer, "readinessProbe") is { } ready ? Child(ready, "httpGet") : null, "path"));
    }

    [Fact]
    public void Kubernetes_secrets_hold_placeholders_only()
    {
        var secrets = _manifests.OfKind("Secret").ToList();
        Assert.NotEmpty(secrets);
        foreach (var secret in secrets)
        {
            var values = Entries(Child(secret.Root, "stringData"))
                .Concat(Entries(Child(secret.Root, "data")).Select(e => KeyValuePair.Create(e.Key, Decode(e.Value))))
                .ToList();
            Assert.True(values.Count > 0, $"{secret.File} {secret.Name}: no keys");
            foreach (var (key, value) in values)
                Assert.True(value.StartsWith(Placeholder, StringComparison.Ordinal), $"{secret.File} {secret.Name}.{key} is not an obvious placeholder ({Placeholder}…)");
        }
        // Placeholders are never applied by `kubectl apply -k`.
        Assert.All(secrets, s => Assert.DoesNotContain(s.File, KustomizationResources()));
    }

    [Fact]
    public void Kubernetes_references_between_manifests_agree()
    {
        // Every Secret key a container reads, and every Secret volume, is one the example defines.
        var secretKeys = _manifests.OfKind("Secret")
            .SelectMany(s => Entries(Child(s.Root, "stringData")).Concat(Entries(Child(s.Root, "data"))).Select(e => (s.Name, e.Key)))
            .ToHashSet();
        foreach (var (workload, container) in AllContainers)
        {
            foreach (var env in Env(container))
            {
                var reference = Child(Child(env, "valueFrom"), "secretKeyRef");
                if (reference is null) continue;
                var wanted = (Scalar(reference, "name") ?? "", Scalar(reference, "key") ?? "");
                Assert.True(secretKeys.Contains(wanted), $"{workload.Name}: {Scalar(env, "name")} reads {wanted.Item1}/{wanted.Item2}, which secrets.example.yaml does not define");
            }
        }
        var secretNames = secretKeys.Select(k => k.Name).ToHashSet();
        foreach (var workload in Workloads)
        {
            if (Child(Child(PodTemplate(workload), "spec"), "volumes") is not YamlSequenceNode volumes) continue;
            foreach (var volume in volumes.Children)
            {
                var name = Scalar(Child(volume, "secret"), "secretName");
                if (name is not null) Assert.True(secretNames.Contains(name), $"{workload.Name} mounts Secret {name}, which secrets.example.yaml does not define");
            }
        }

        // One cluster: the silos' Berth__ClusterId, the gateways' Gateway__ClusterId and the pods'
        // orleans/clusterId label (Orleans' Kubernetes hosting selects silo pods by it) are one value.
        var clusterIds = AllContainers.SelectMany(x => Env(x.Container))
            .Where(e => Scalar(e, "name") is "Berth__ClusterId" or "Gateway__ClusterId")
            .Select(e => Scalar(e, "value"))
            .Concat(Workloads.Select(w => Scalar(Child(Child(PodTemplate(w), "metadata"), "labels"), "orleans/clusterId")).Where(v => v is not null))
            .Distinct()
            .ToList();
        Assert.Single(clusterIds);

        // A silo under Kubernetes hosting knows its pod and namespace, and its account may watch pods.
        var siloAccounts = new HashSet<string>();
        foreach (var (workload, container) in AllContainers)
        {
            var env = Env(container).ToDictionary(e => Scalar(e, "name") ?? "", e => e);
            if (!env.TryGetValue("Silo__Kubernetes", out var flag) || Scalar(flag, "value") != "true") continue;
            Assert.Equal("metadata.name", Scalar(Child(Child(env.GetValueOrDefault("POD_NAME"), "valueFrom"), "fieldRef"), "fieldPath"));
            Assert.Equal("metadata.namespace", Scalar(Child(Child(env.GetValueOrDefault("POD_NAMESPACE"), "valueFrom"), "fieldRef"), "fieldPath"));
            siloAccounts.Add(Scalar(Child(PodTemplate(workload), "spec"), "serviceAccountName") ?? "default");
        }
        Assert.NotEmpty(siloAccounts);
        var bound = _manifests.OfKind("RoleBinding")
            .SelectMany(b => Child(b.Root, "subjects") is YamlSequenceNode s ? s.Children.Select(x => Scalar(x, "name")) : [])
            .ToHashSet();
        Assert.All(siloAccounts, account => Assert.Contains(account, bound));

        // The kustomization applies every manifest but the example Secrets, and only files that exist.
        var resources = KustomizationResources();
        Assert.All(resources, r => Assert.Contains(r, _manifests.Files));
        Assert.All(_manifests.Documents.Where(d => d.Kind is not ("Kustomization" or "Secret")), d => Assert.Contains(d.File, resources));
    }

    [Fact]
    public void Kubernetes_documented_settings_check_can_fail()
    {
        const string readme = """
            ## Configuration

            | Setting | Default | Meaning |
            | --- | --- | --- |
            | `Berth__Hosts__N__Id` / `__Endpoint` | – | hosts |
            | `Silo__Agent__HostId`, `__Labels__KEY` | – | agent |
            | `Berth__Snapshots__S3__*` | – | s3 |

            ## Next
            | `Berth__NotInTheSection` | – | – |
            """;
        var documented = DocumentedSettings.FromReadme(readme);
        Assert.True(documented.Documents("Berth__Hosts__3__Endpoint"));
        Assert.True(documented.Documents("Berth:Hosts:0:Id"));
        Assert.True(documented.Documents("Silo__Agent__Labels__zone"));
        Assert.True(documented.Documents("Berth__Snapshots__S3__Bucket"));
        Assert.False(documented.Documents("Berth__Hosts__3__Nope"));
        Assert.False(documented.Documents("Silo__Agent__Endpoint"));
        Assert.False(documented.Documents("Berth__NotInTheSection"));
        Assert.False(documented.Documents("Berth__Snapshots__S3"));
    }

    private List<string> KustomizationResources()
    {
        var kustomization = Assert.Single(_manifests.OfKind("Kustomization"));
        return Child(kustomization.Root, "resources") is YamlSequenceNode list
            ? list.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList()
            : [];
    }

    private static string Decode(string base64)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
        catch (FormatException) { return base64; }
    }
}

using YamlDotNet.RepresentationModel;

namespace Berth.Tests.Deploy;

/// <summary>Every YAML document under deploy/kubernetes, with its file, and helpers to walk them.</summary>
public sealed class KubernetesManifests
{
    public const string Directory = "deploy/kubernetes";

    public sealed record Document(string File, YamlMappingNode Root)
    {
        public string Kind => Scalar(Root, "kind") ?? "";

        public string Name => Scalar(Child(Root, "metadata"), "name") ?? "";
    }

    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<Document> Documents { get; }

    private KubernetesManifests(IReadOnlyList<string> files, IReadOnlyList<Document> documents)
    {
        Files = files;
        Documents = documents;
    }

    public static KubernetesManifests Load(string repositoryRoot)
    {
        var directory = Path.Combine(repositoryRoot, Directory);
        var files = System.IO.Directory.GetFiles(directory, "*.yaml").Concat(System.IO.Directory.GetFiles(directory, "*.yml")).Order(StringComparer.Ordinal).ToList();
        var documents = new List<Document>();
        foreach (var file in files)
        {
            var stream = new YamlStream();
            using (var reader = File.OpenText(file)) stream.Load(reader);
            foreach (var document in stream.Documents)
            {
                // An empty document (a file of comments, a trailing ---) has a scalar root.
                if (document.RootNode is YamlMappingNode root) documents.Add(new Document(Path.GetFileName(file), root));
            }
        }
        return new KubernetesManifests(files.Select(Path.GetFileName).ToList()!, documents);
    }

    public IEnumerable<Document> OfKind(string kind) => Documents.Where(d => d.Kind == kind);

    /// <summary>The pod template of a Deployment, DaemonSet or StatefulSet.</summary>
    public static YamlMappingNode? PodTemplate(Document workload) => Child(Child(workload.Root, "spec"), "template") as YamlMappingNode;

    /// <summary>Containers and (unless told not to) init containers of a pod template.</summary>
    public static IEnumerable<YamlMappingNode> Containers(YamlMappingNode? template, bool withInit = true)
    {
        var spec = Child(template, "spec");
        foreach (var key in withInit ? new[] { "containers", "initContainers" } : ["containers"])
        {
            if (Child(spec, key) is not YamlSequenceNode list) continue;
            foreach (var container in list.Children.OfType<YamlMappingNode>()) yield return container;
        }
    }

    public static IEnumerable<YamlMappingNode> Env(YamlMappingNode container) =>
        Child(container, "env") is YamlSequenceNode env ? env.Children.OfType<YamlMappingNode>() : [];

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    /// <summary>A node's string entries (a Secret's stringData, a ConfigMap's data, labels, annotations).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Entries(YamlNode? node) =>
        node is YamlMappingNode map
            ? map.Children.Select(c => new KeyValuePair<string, string>(((YamlScalarNode)c.Key).Value ?? "", (c.Value as YamlScalarNode)?.Value ?? ""))
            : [];
}

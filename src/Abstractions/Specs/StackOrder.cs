namespace Berth.Specs;

/// <summary>Dependency order of a stack's services, and the cycle that prevents one.</summary>
public static class StackOrder
{
    /// <summary>Services before their dependants; among equals, the order written. Throws on a cycle (the parser reports it first).</summary>
    public static IReadOnlyList<ServiceSpec> Sort(IReadOnlyList<ServiceSpec> services) =>
        TrySort(services, out var sorted, out var cycle) ? sorted : throw new InvalidOperationException($"services depend on each other in a cycle: {string.Join(" → ", cycle)}");

    public static bool TrySort(IReadOnlyList<ServiceSpec> services, out List<ServiceSpec> sorted, out List<string> cycle)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new List<string>();
        var result = new List<ServiceSpec>();
        List<string>? found = null;

        bool Visit(ServiceSpec service)
        {
            if (done.Contains(service.Name)) return true;
            var at = visiting.IndexOf(service.Name);
            if (at >= 0)
            {
                found = [.. visiting[at..], service.Name];
                return false;
            }
            visiting.Add(service.Name);
            foreach (var dependency in service.DependsOn)
            {
                if (byName.TryGetValue(dependency.Service, out var next) && !Visit(next)) return false;
            }
            visiting.RemoveAt(visiting.Count - 1);
            done.Add(service.Name);
            result.Add(service);
            return true;
        }

        foreach (var service in services)
        {
            if (!Visit(service))
            {
                sorted = [];
                cycle = found ?? [];
                return false;
            }
        }
        sorted = result;
        cycle = [];
        return true;
    }
}

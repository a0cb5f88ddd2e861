using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// Reads an operator's compose file for a host stack (see <see cref="HostStackSpec"/>), YAML or
/// JSON, and finds its <c>${secret:NAME}</c> references. Every error names its field
/// (<c>services.web.ports[0]: ...</c>), as workload specs do.
/// </summary>
public static partial class HostStackParser
{
    /// <summary>The largest compose file accepted.</summary>
    public const int MaxBytes = 256 * 1024;

    private const string SecretPrefix = "${secret:";

    [GeneratedRegex(@"\$\{secret:(?<name>[^}]*)\}")]
    private static partial Regex SecretReference();

    public static HostStackSpec ParseYaml(string text, string name) => Checked(WorkloadSpecParser.ParseHostStack(SpecDocumentReader.ReadYaml(text), name));

    public static HostStackSpec ParseJson(string text, string name) => Checked(WorkloadSpecParser.ParseHostStack(SpecDocumentReader.ReadJson(text), name));

    /// <summary>Stack and service names are DNS labels: they name networks, containers and the names services reach each other by.</summary>
    public static bool IsValidName(string? name) => name is not null && WorkloadSpecParser.IsDnsLabel(name);

    /// <summary>Every <c>${secret:NAME}</c>, with the field it is in, in file order.</summary>
    public static IReadOnlyList<HostStackSecretReference> SecretReferences(HostStackSpec spec) =>
        [.. StringFields(spec).SelectMany(f => SecretReference().Matches(f.Value).Select(m => new HostStackSecretReference(f.Path, m.Groups["name"].Value)))];

    /// <summary>
    /// The service with each <c>${secret:NAME}</c> replaced by <paramref name="values"/>[NAME]; the
    /// caller has checked that every referenced name is there.
    /// </summary>
    public static HostStackService Render(HostStackService service, IReadOnlyDictionary<string, string> values)
    {
        string R(string text) => text.Contains(SecretPrefix, StringComparison.Ordinal)
            ? SecretReference().Replace(text, m => values[m.Groups["name"].Value])
            : text;
        return service with
        {
            Image = R(service.Image),
            Command = service.Command?.Select(R).ToArray(),
            Environment = service.Environment.ToDictionary(e => e.Key, e => R(e.Value), StringComparer.Ordinal),
            User = service.User is null ? null : R(service.User),
            Labels = service.Labels.ToDictionary(l => l.Key, l => R(l.Value), StringComparer.Ordinal),
            Healthcheck = service.Healthcheck is { } hc ? hc with { Test = [.. hc.Test.Select(R)] } : null,
        };
    }

    /// <summary>A reference that is not <c>${secret:NAME}</c> with a valid name is an error in its field, not a literal that leaks into a container.</summary>
    private static HostStackSpec Checked(HostStackSpec spec)
    {
        var errors = new List<SpecError>();
        foreach (var (path, value) in StringFields(spec))
        {
            foreach (Match match in SecretReference().Matches(value))
            {
                if (!ResourceIds.IsValidSecretName(match.Groups["name"].Value))
                {
                    errors.Add(new SpecError(path, $"'{match.Value}' does not name a secret (names match {ResourceIds.SecretNamePattern})"));
                }
            }
            if (Occurrences(value, SecretPrefix) > SecretReference().Count(value))
            {
                errors.Add(new SpecError(path, "has a ${secret: without its closing }"));
            }
        }
        return errors.Count > 0 ? throw new WorkloadSpecException(errors) : spec;
    }

    private static int Occurrences(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    /// <summary>The string values a secret may stand in, with their paths.</summary>
    private static IEnumerable<(string Path, string Value)> StringFields(HostStackSpec spec)
    {
        foreach (var service in spec.Services)
        {
            var at = $"services.{service.Name}";
            yield return ($"{at}.image", service.Image);
            for (var i = 0; i < (service.Command?.Length ?? 0); i++) yield return ($"{at}.command[{i}]", service.Command![i]);
            foreach (var (key, value) in service.Environment) yield return ($"{at}.environment.{key}", value);
            if (service.User is { } user) yield return ($"{at}.user", user);
            foreach (var (key, value) in service.Labels) yield return ($"{at}.labels.{key}", value);
            for (var i = 0; i < (service.Healthcheck?.Test.Length ?? 0); i++) yield return ($"{at}.healthcheck.test[{i}]", service.Healthcheck!.Test[i]);
        }
    }
}

namespace Berth.Network;

/// <summary>The filter table as <c>iptables-save</c> prints it: chains and their rules, in order.</summary>
public sealed class SavedTable
{
    private readonly Dictionary<string, List<string>> _rules = new(StringComparer.Ordinal);

    public static SavedTable Parse(string text)
    {
        var table = new SavedTable();
        var inFilter = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*')) inFilter = line == "*filter";
            else if (!inFilter) continue;
            else if (line.StartsWith(':'))
            {
                var name = line[1..].Split(' ')[0];
                table._rules.TryAdd(name, []);
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var rest = line[3..];
                var space = rest.IndexOf(' ');
                var chain = space < 0 ? rest : rest[..space];
                var rule = space < 0 ? "" : rest[(space + 1)..];
                if (!table._rules.TryGetValue(chain, out var list)) table._rules[chain] = list = [];
                list.Add(rule);
            }
        }
        return table;
    }

    public bool HasChain(string chain) => _rules.ContainsKey(chain);

    public IReadOnlyList<string> Rules(string chain) => _rules.TryGetValue(chain, out var list) ? list : [];

    /// <summary>
    /// Whether the chain holds what <paramref name="wanted"/> describes: its first rule carries the
    /// same stamp (<see cref="EgressRules.StampOf"/>) and it has <paramref name="count"/> rules
    /// (default: as many as wanted). iptables-save reorders options, so rules are not compared as text.
    /// </summary>
    public bool Matches(string chain, IReadOnlyList<string> wanted, int? count = null)
    {
        var rules = Rules(chain);
        var stamp = wanted[0].Split(' ')[^1];
        return HasChain(chain) && rules.Count == (count ?? wanted.Count) && rules.Count > 0
            && rules[0].Replace("\"", "", StringComparison.Ordinal).EndsWith($"--comment {stamp}", StringComparison.Ordinal);
    }
}

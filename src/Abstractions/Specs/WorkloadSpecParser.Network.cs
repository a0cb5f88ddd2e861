using System.Net;

namespace Berth.Specs;

public static partial class WorkloadSpecParser
{
    private sealed partial class Reader
    {
        /// <summary>
        /// <c>network.egress</c>: <c>public</c> (the default), <c>none</c>, or
        /// <c>{mode: public | none, allow: [CIDR | ADDRESS[:PORT] | HOST[:PORT], …]}</c>.
        /// </summary>
        private EgressPolicy ReadNetwork(SpecNode node, string networkMode)
        {
            var fields = Fields.Of(node, this);
            if (fields is null) return EgressPolicy.Default;
            var egressNode = fields.Take("egress");
            fields.RejectUnknown();
            if (egressNode is null) return EgressPolicy.Default;
            if (networkMode != "bridge")
            {
                Error(egressNode.Path, $"has no effect with network_mode: {networkMode} (only the bridge network is filtered)");
                return EgressPolicy.Default;
            }
            if (egressNode is SpecScalar)
            {
                return ReadEgressMode(egressNode) is { } mode ? new EgressPolicy { Mode = mode } : EgressPolicy.Default;
            }
            var egress = Fields.Of(egressNode, this);
            if (egress is null) return EgressPolicy.Default;
            var modeNode = egress.Take("mode");
            var allowNode = egress.Take("allow");
            egress.RejectUnknown();
            var policy = new EgressPolicy
            {
                Mode = modeNode is null ? EgressMode.Public : ReadEgressMode(modeNode) ?? EgressMode.Public,
                Allow = allowNode is null ? [] : ReadAllowList(allowNode),
            };
            return policy;
        }

        private EgressMode? ReadEgressMode(SpecNode node) => ScalarText(node) switch
        {
            null => null,
            "public" => EgressMode.Public,
            "none" => EgressMode.None,
            var other => Fail(node, $"'{other}' must be public (the internet, never private ranges, the host or Berth) or none (loopback only)"),
        };

        private EgressMode? Fail(SpecNode node, string message)
        {
            Error(node.Path, message);
            return null;
        }

        private EgressAllowEntry[] ReadAllowList(SpecNode node)
        {
            if (node is not SpecList list)
            {
                Error(node.Path, "must be a list of CIDR ranges, ADDRESS:PORT or HOST:PORT entries");
                return [];
            }
            var result = new List<EgressAllowEntry>();
            foreach (var item in list.Items)
            {
                if (ScalarText(item) is not { } text) continue;
                if (!EgressAllowEntry.TryParse(text, out var entry, out var error))
                {
                    Error(item.Path, $"'{text}' {error}");
                    continue;
                }
                if (entry!.Network is { } network && EgressRanges.InsideAlwaysDenied(IPNetwork.Parse(network)) is { } denied)
                {
                    Error(item.Path, $"'{text}' lies in {denied}, which a tenant never reaches (loopback, link-local and cloud metadata, multicast)");
                    continue;
                }
                if (result.Contains(entry)) Error(item.Path, $"'{text}' is listed twice");
                else result.Add(entry);
            }
            if (result.Count > 256) Error(node.Path, "may hold at most 256 entries");
            return [.. result];
        }
    }
}

namespace Berth.Specs;

public static partial class WorkloadSpecParser
{
    private sealed partial class Reader
    {
        /// <summary><c>placement: {labels: {zone: eu-1, tier: gpu}}</c>: hosts must carry every label, with that value.</summary>
        private PlacementSpec ReadPlacement(SpecNode node)
        {
            var fields = Fields.Of(node, this);
            if (fields is null) return new PlacementSpec();
            var labelsNode = fields.Take("labels");
            fields.RejectUnknown();
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (labelsNode is null) return new PlacementSpec();
            if (labelsNode is not SpecMap map)
            {
                Error(labelsNode.Path, "must be a mapping of label: value");
                return new PlacementSpec();
            }
            foreach (var (key, value) in map.Entries)
            {
                if (!ResourceIds.IsValidLabelName(key))
                {
                    Error(value.Path, "is not a valid label name (letters, digits, '.', '_', '-', '/', at most 63)");
                    continue;
                }
                var text = value is SpecScalar scalar ? scalar.Text ?? "" : Invalid(value, "must be a string");
                if (text.Length > 253) Error(value.Path, "must be at most 253 characters");
                else labels[key] = text;
            }
            return new PlacementSpec { Labels = labels };
        }
    }
}

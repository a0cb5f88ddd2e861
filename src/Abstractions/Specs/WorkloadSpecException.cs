namespace Berth.Specs;

/// <summary>A workload spec was malformed or invalid; <see cref="Errors"/> names every bad field.</summary>
public sealed class WorkloadSpecException : Exception
{
    public WorkloadSpecException(IReadOnlyList<SpecError> errors)
        : base(string.Join("; ", errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public WorkloadSpecException(SpecError error) : this([error])
    {
    }

    public IReadOnlyList<SpecError> Errors { get; }
}

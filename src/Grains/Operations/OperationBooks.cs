using Berth.Contracts;

namespace Berth.Operations;

/// <summary>
/// An operation's bookkeeping without Orleans: its record's progress, errors and state (through
/// <see cref="OperationTransitions"/>), and which of a provision's tenants to claim next. Every
/// change raises the version, so a reader sees a change by its version alone.
/// </summary>
public sealed class OperationBooks(OperationGrainState state)
{
    /// <summary>Errors kept per operation; later ones are counted in the message, not stored.</summary>
    public const int MaxErrors = 100;

    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public OperationRecord Record => state.Record ?? throw new InvalidOperationException("the operation has not started");

    public OperationPlan Plan => state.Plan ?? throw new InvalidOperationException("the operation has not started");

    public bool Started => state.Record is not null;

    public bool Finished => Started && OperationTransitions.IsTerminal(Record.State);

    public void Start(OperationPlan plan, DateTimeOffset now)
    {
        state.Plan = plan;
        state.Record = new OperationRecord
        {
            Id = plan.Id, Kind = plan.Kind, Target = plan.Target, State = OperationState.Running, StartedBy = plan.StartedBy,
            StartedAt = now, UpdatedAt = now, Version = 1, Total = plan.Kind == OperationKind.Provision ? plan.Tenants.Length : 0,
            Message = "started",
        };
    }

    /// <summary>Returns whether anything changed.</summary>
    public bool Progress(int done, int total, string message, DateTimeOffset now)
    {
        var record = Record;
        if (record.Finished) return false;
        // The total may grow while it runs, never shrink below what is done.
        total = Math.Max(total, done);
        if (record.Done == done && record.Total == total && record.Message == message) return false;
        Change(record with { Done = done, Total = total, Message = message }, now);
        return true;
    }

    public void AddError(string item, string message, DateTimeOffset now)
    {
        var record = Record;
        if (record.Errors.Length >= MaxErrors) return;
        Change(record with { Errors = [.. record.Errors, new OperationError(now, item, message)] }, now);
    }

    /// <summary>Applies the event; returns whether the state changed.</summary>
    public bool Apply(OperationEvent e, DateTimeOffset now, string? message = null)
    {
        var record = Record;
        var next = e == OperationEvent.Cancel ? OperationTransitions.Cancel(record.Id, record.State) : OperationTransitions.Apply(record.State, e);
        if (next == record.State) return false;
        Change(record with
        {
            State = next,
            Message = message ?? record.Message,
            CompletedAt = OperationTransitions.IsTerminal(next) ? now : null,
        }, now);
        return true;
    }

    private void Change(OperationRecord next, DateTimeOffset now) => state.Record = next with { UpdatedAt = now, Version = Record.Version + 1 };

    // Provision: which tenants to claim, and what came of each.

    public int InFlight => _inFlight.Count;

    /// <summary>The next tenants to claim, up to <paramref name="concurrency"/> claims at once; none once cancelling.</summary>
    public List<string> NextClaims(int concurrency)
    {
        var next = new List<string>();
        if (Record.State != OperationState.Running) return next;
        foreach (var tenant in Plan.Tenants)
        {
            if (_inFlight.Count >= concurrency) break;
            if (state.Claimed.Contains(tenant) || state.Failed.Contains(tenant) || !_inFlight.Add(tenant)) continue;
            next.Add(tenant);
        }
        return next;
    }

    public void Claimed(string tenant)
    {
        _inFlight.Remove(tenant);
        state.Claimed.Add(tenant);
    }

    /// <summary>A claim that failed: tried again (up to <paramref name="maxAttempts"/>) when <paramref name="retry"/>, else an error.</summary>
    public void ClaimFailed(string tenant, string error, bool retry, int maxAttempts, DateTimeOffset now)
    {
        _inFlight.Remove(tenant);
        var attempts = _attempts[tenant] = _attempts.GetValueOrDefault(tenant) + 1;
        if (retry && attempts < maxAttempts) return;
        state.Failed.Add(tenant);
        AddError(tenant, error, now);
    }

    /// <summary>Provision's progress and, once every tenant is handled, how it ended: failed if every claim failed.</summary>
    public (int Done, int Total, string Message, OperationEvent? End) ProvisionProgress()
    {
        var total = Plan.Tenants.Length;
        var claimed = state.Claimed.Count;
        var failed = state.Failed.Count;
        var message = $"{claimed} of {total} tenants claimed" + (failed > 0 ? $", {failed} failed" : "");
        OperationEvent? end = claimed + failed < total ? null : claimed == 0 && total > 0 ? OperationEvent.Fail : OperationEvent.Complete;
        return (claimed + failed, total, message, end);
    }
}

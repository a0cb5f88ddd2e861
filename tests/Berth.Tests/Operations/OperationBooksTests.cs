using Berth.Contracts;
using Berth.Errors;
using Berth.Operations;
using Berth.Specs;

namespace Berth.Tests.Operations;

public sealed class OperationBooksTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

    private static OperationBooks Books(OperationKind kind = OperationKind.Drain, params string[] tenants)
    {
        var books = new OperationBooks(new OperationGrainState());
        books.Start(new OperationPlan { Id = "op-20261203-abc123", Kind = kind, Target = "e2", StartedBy = "admin", Tenants = tenants }, At);
        return books;
    }

    [Theory]
    [InlineData(OperationState.Running, OperationEvent.Cancel, OperationState.Cancelling)]
    [InlineData(OperationState.Running, OperationEvent.Complete, OperationState.Succeeded)]
    [InlineData(OperationState.Running, OperationEvent.Fail, OperationState.Failed)]
    [InlineData(OperationState.Running, OperationEvent.Undone, OperationState.Running)]
    [InlineData(OperationState.Cancelling, OperationEvent.Cancel, OperationState.Cancelling)]
    [InlineData(OperationState.Cancelling, OperationEvent.Complete, OperationState.Cancelling)]
    [InlineData(OperationState.Cancelling, OperationEvent.Undone, OperationState.Cancelled)]
    [InlineData(OperationState.Cancelling, OperationEvent.Fail, OperationState.Failed)]
    [InlineData(OperationState.Succeeded, OperationEvent.Fail, OperationState.Succeeded)]
    [InlineData(OperationState.Cancelled, OperationEvent.Complete, OperationState.Cancelled)]
    public void The_table_decides_every_pair(OperationState from, OperationEvent e, OperationState expected) =>
        Assert.Equal(expected, OperationTransitions.Apply(from, e));

    [Theory]
    [InlineData(OperationState.Succeeded)]
    [InlineData(OperationState.Failed)]
    [InlineData(OperationState.Cancelled)]
    public void Cancelling_a_finished_operation_is_a_conflict_naming_its_state(OperationState state)
    {
        var ex = Assert.Throws<BerthException>(() => OperationTransitions.Cancel("op-x", state));
        Assert.Equal(BerthErrorKind.Conflict, ex.Kind);
        Assert.Contains(state.ToString().ToLowerInvariant(), ex.Message);
    }

    [Fact]
    public void Every_change_raises_the_version_and_a_repeat_changes_nothing()
    {
        var books = Books();
        Assert.Equal(1, books.Record.Version);
        Assert.True(books.Progress(1, 4, "1 of 4", At.AddSeconds(1)));
        Assert.False(books.Progress(1, 4, "1 of 4", At.AddSeconds(2)));
        Assert.Equal(2, books.Record.Version);
        Assert.Equal(At.AddSeconds(1), books.Record.UpdatedAt);
        // The total never shrinks below what is done.
        books.Progress(5, 4, "5", At.AddSeconds(3));
        Assert.Equal(5, books.Record.Total);
        Assert.True(books.Apply(OperationEvent.Complete, At.AddSeconds(4), "done"));
        Assert.Equal(OperationState.Succeeded, books.Record.State);
        Assert.Equal(At.AddSeconds(4), books.Record.CompletedAt);
        Assert.False(books.Progress(6, 6, "later", At.AddSeconds(5)));
        Assert.True(books.Finished);
    }

    [Fact]
    public void Errors_are_bounded()
    {
        var books = Books();
        for (var i = 0; i < OperationBooks.MaxErrors + 10; i++) books.AddError($"t{i}", "no", At);
        Assert.Equal(OperationBooks.MaxErrors, books.Record.Errors.Length);
    }

    [Fact]
    public void A_provision_claims_a_few_at_a_time_retries_transient_failures_and_stops_claiming_once_cancelling()
    {
        var books = Books(OperationKind.Provision, "a", "b", "c", "d", "e");
        Assert.Equal(5, books.Record.Total);
        Assert.Equal(["a", "b"], books.NextClaims(2));
        Assert.Empty(books.NextClaims(2));
        books.Claimed("a");
        books.ClaimFailed("b", "busy", retry: true, maxAttempts: 2, At);
        Assert.Equal(["b", "c"], books.NextClaims(3).Take(2));
        books.ClaimFailed("b", "busy again", retry: true, maxAttempts: 2, At);
        Assert.Equal("b", Assert.Single(books.Record.Errors).Item);
        books.Apply(OperationEvent.Cancel, At);
        Assert.Empty(books.NextClaims(10));
        var (done, total, message, end) = books.ProvisionProgress();
        Assert.Equal((2, 5), (done, total));
        Assert.Equal("1 of 5 tenants claimed, 1 failed", message);
        Assert.Null(end);
    }

    [Fact]
    public void A_provision_fails_only_when_every_claim_failed()
    {
        var all = Books(OperationKind.Provision, "a", "b");
        foreach (var t in all.NextClaims(4)) all.ClaimFailed(t, "no", retry: false, 3, At);
        Assert.Equal(OperationEvent.Fail, all.ProvisionProgress().End);

        var some = Books(OperationKind.Provision, "a", "b");
        some.NextClaims(4);
        some.Claimed("a");
        some.ClaimFailed("b", "no", retry: false, 3, At);
        Assert.Equal(OperationEvent.Complete, some.ProvisionProgress().End);
    }

    [Fact]
    public void The_index_lists_newest_first_filters_and_trims_only_finished_operations()
    {
        var index = new OperationIndex(new OperationIndexState());
        OperationRecord Op(int i, OperationState state, OperationKind kind = OperationKind.Drain) => new()
        {
            Id = $"op-{i:0000}", Kind = kind, Target = i % 2 == 0 ? "e2" : "web", State = state, StartedAt = At.AddSeconds(i),
        };
        Assert.True(index.Record(Op(0, OperationState.Running)));
        Assert.False(index.Record(Op(0, OperationState.Cancelling)));
        for (var i = 1; i <= OperationIndex.MaxFinished + 5; i++) index.Record(Op(i, OperationState.Succeeded, OperationKind.Resize));
        var all = index.List(new OperationFilter(null, null, null, 10_000));
        Assert.Equal(OperationIndex.MaxFinished + 1, all.Length);
        Assert.Equal($"op-{OperationIndex.MaxFinished + 5:0000}", all[0]);
        Assert.Equal("op-0000", all[^1]); // the unfinished one is kept however old
        Assert.Equal(["op-0000"], index.List(new OperationFilter(true, null, null, 50)));
        Assert.Equal(3, index.List(new OperationFilter(false, OperationKind.Resize, "e2", 3)).Length);
        Assert.Empty(index.List(new OperationFilter(null, OperationKind.Provision, null, 50)));
    }

    [Theory]
    [InlineData(2, 6, null, null)]
    [InlineData(0, 1, null, null)]
    [InlineData(-1, 6, null, "minSize")]
    [InlineData(3, 2, null, "maxSize")]
    [InlineData(2, 100_001, null, "maxSize")]
    [InlineData(5, 10, 4, "minSize")]
    [InlineData(1, 3, 4, "maxSize")]
    public void Resize_sizes_follow_the_spec_rules(int min, int max, int? maxWarm, string? field) =>
        Assert.Equal(field, PoolSizeRules.Violation(min, max, maxWarm, "minSize", "maxSize")?.Field);

    [Fact]
    public void Operation_ids_have_the_documented_shape()
    {
        var id = OperationIds.New(At);
        Assert.Matches(@"^op-20261203-[0-9a-f]{6}$", id);
        Assert.True(OperationIds.IsValid(id));
        Assert.False(OperationIds.IsValid("op-"));
        Assert.False(OperationIds.IsValid("op-ABC"));
        Assert.False(OperationIds.IsValid("x-1"));
    }
}

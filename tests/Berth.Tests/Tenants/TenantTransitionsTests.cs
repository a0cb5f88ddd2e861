using Berth.Contracts;
using Berth.Tenants;

namespace Berth.Tests.Tenants;

/// <summary>The tenant's state machine as a table, checked without a cluster.</summary>
public sealed class TenantTransitionsTests
{
    [Theory]
    [InlineData(TenantClaimState.Claimed, TenantClaimEvent.Pause, TenantClaimState.Paused)]
    [InlineData(TenantClaimState.Paused, TenantClaimEvent.Resume, TenantClaimState.Claimed)]
    [InlineData(TenantClaimState.Released, TenantClaimEvent.Resume, TenantClaimState.Claimed)]
    [InlineData(TenantClaimState.Claimed, TenantClaimEvent.Stop, TenantClaimState.Stopped)]
    [InlineData(TenantClaimState.Stopped, TenantClaimEvent.Start, TenantClaimState.Claimed)]
    [InlineData(TenantClaimState.Paused, TenantClaimEvent.Release, TenantClaimState.Releasing)]
    [InlineData(TenantClaimState.Stopped, TenantClaimEvent.Lose, TenantClaimState.Lost)]
    [InlineData(TenantClaimState.Saving, TenantClaimEvent.SaveRefused, TenantClaimState.Claimed)]
    [InlineData(TenantClaimState.Releasing, TenantClaimEvent.Kept, TenantClaimState.Released)]
    [InlineData(TenantClaimState.Lost, TenantClaimEvent.CreateCold, TenantClaimState.Claiming)]
    public void A_legal_move_leads_where_the_table_says(TenantClaimState from, TenantClaimEvent @event, TenantClaimState to)
    {
        var record = new TenantClaimRecord { Workload = "w", State = from };
        var now = DateTimeOffset.Parse("2026-12-03T12:00:00Z");

        var move = record.Apply(@event, now, "why");

        Assert.Equal(to, record.State);
        Assert.Equal(to, move.To);
        Assert.Equal("why", record.Error);
        Assert.NotEmpty(move.Step);
    }

    [Theory]
    [InlineData(TenantClaimState.Released, TenantClaimEvent.Pause)]
    [InlineData(TenantClaimState.Stopped, TenantClaimEvent.Pause)]
    [InlineData(TenantClaimState.Claimed, TenantClaimEvent.Resume)]
    [InlineData(TenantClaimState.Released, TenantClaimEvent.Stop)]
    [InlineData(TenantClaimState.Claimed, TenantClaimEvent.Start)]
    [InlineData(TenantClaimState.Released, TenantClaimEvent.Release)]
    [InlineData(TenantClaimState.Claimed, TenantClaimEvent.Finished)]
    [InlineData(TenantClaimState.Released, TenantClaimEvent.Lose)]
    public void An_illegal_move_throws_and_leaves_the_claim_as_it_was(TenantClaimState from, TenantClaimEvent @event)
    {
        var since = DateTimeOffset.Parse("2026-12-03T11:00:00Z");
        var record = new TenantClaimRecord { Workload = "w", State = from, StateSince = since, Error = "before" };

        var ex = Assert.Throws<InvalidOperationException>(() => record.Apply(@event, since.AddHours(1)));

        Assert.Contains(@event.ToString(), ex.Message);
        Assert.False(TenantTransitions.Allows(from, @event));
        Assert.Equal(from, record.State);
        Assert.Equal(since, record.StateSince);
        Assert.Equal("before", record.Error);
    }

    [Fact]
    public void Staying_in_a_state_keeps_its_since_and_moving_resets_it()
    {
        var since = DateTimeOffset.Parse("2026-12-03T11:00:00Z");
        var record = new TenantClaimRecord { Workload = "w", State = TenantClaimState.Saving, StateSince = since };

        record.Apply(TenantClaimEvent.RetryLater, since.AddMinutes(1), "sink down");
        Assert.Equal(since, record.StateSince);

        record.Apply(TenantClaimEvent.Saved, since.AddMinutes(2));
        Assert.Equal(since.AddMinutes(2), record.StateSince);
    }

    [Fact]
    public void Every_move_is_listed_once()
    {
        var moves = TenantTransitions.All.Select(t => (t.From, t.Event)).ToList();
        Assert.Equal(moves.Count, moves.Distinct().Count());
    }

    /// <summary>No stuck states: from every state some chain of moves ends the claim (Released).</summary>
    [Fact]
    public void Every_state_can_reach_released()
    {
        foreach (var start in Enum.GetValues<TenantClaimState>())
        {
            var seen = new HashSet<TenantClaimState> { start };
            var frontier = new Queue<TenantClaimState>([start]);
            while (frontier.TryDequeue(out var state))
            {
                foreach (var next in TenantTransitions.All.Where(t => t.From == state).Select(t => t.To))
                {
                    if (seen.Add(next)) frontier.Enqueue(next);
                }
            }
            Assert.True(seen.Contains(TenantClaimState.Released), $"{start} cannot reach Released");
        }
    }

    /// <summary>Every state is entered by some move, or is where a claim begins.</summary>
    [Fact]
    public void Every_state_is_reachable_from_released()
    {
        var reached = new HashSet<TenantClaimState> { TenantClaimState.Released };
        var frontier = new Queue<TenantClaimState>([TenantClaimState.Released]);
        while (frontier.TryDequeue(out var state))
        {
            foreach (var next in TenantTransitions.All.Where(t => t.From == state).Select(t => t.To))
            {
                if (reached.Add(next)) frontier.Enqueue(next);
            }
        }
        Assert.Equal(Enum.GetValues<TenantClaimState>().Order(), reached.Order());
    }
}

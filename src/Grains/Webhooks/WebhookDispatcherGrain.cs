using System.Security.Cryptography;
using System.Text;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Events;
using Berth.Grains;
using Berth.Secrets;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Webhooks;

/// <summary>
/// Holds the webhooks (key 0) and delivers events to them: a timer reads each webhook's next
/// matching event after its cursor and sends it off the grain's turn, so a slow receiver never
/// holds up the API or other webhooks. Failures wait <see cref="WebhookBackoff"/> and are
/// retried up to Berth:Webhooks:MaxAttempts, then become dead letters and the webhook moves on.
/// Delivery is at least once (a receiver deduplicates by Berth-Event-Id): the cursor is stored
/// after the send. A reminder brings the dispatcher back after its silo is lost.
/// </summary>
// The grain type is part of the stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("webhookdispatcher")]
public sealed class WebhookDispatcherGrain(
    [PersistentState("webhooks", StorageNames.Berth)] IPersistentState<WebhookDispatcherState> state,
    IEventReader events,
    WebhookTargets targets,
    WebhookSender sender,
    SecretProtector protector,
    IOptions<BerthOptions> options,
    ILogger<WebhookDispatcherGrain> logger,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, IWebhookDispatcherGrain, IRemindable
{
    private const string KeepAliveReminder = "webhooks-alive";

    /// <summary>Binds sealed webhook secrets to webhooks; ':' keeps the context apart from every tenant id.</summary>
    private const string SecretContext = "berth:webhooks";

    private readonly WebhookOptions _options = options.Value.Webhooks;
    private readonly Dictionary<string, PendingDelivery> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _secrets = new(StringComparer.Ordinal);

    private DateTimeOffset Now => clock.GetUtcNow();

    private Dictionary<string, WebhookRecord> Webhooks => state.State.Webhooks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = _options.PollInterval, Period = _options.PollInterval, KeepAlive = true });
        if (Webhooks.Count > 0) await KeepAliveAsync(true);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task Wake() => Task.CompletedTask;

    public async Task<CreatedWebhook> Create(WebhookRequest request, string operationId, string? createdBy)
    {
        if (state.State.Operations.TryGetValue(operationId, out var existingId) && Webhooks.TryGetValue(existingId, out var existing))
        {
            if (!SameRequest(existing, request))
            {
                throw new BerthException(BerthErrorKind.Unprocessable, "this Idempotency-Key created a different webhook; use a new key", "Idempotency-Key");
            }
            return new CreatedWebhook(View(existing), SecretOf(existing));
        }
        if (await targets.CheckAsync(request.Url, CancellationToken.None) is { } refusal) throw BerthException.Invalid("url", refusal);
        if (Webhooks.Count >= _options.MaxWebhooks)
        {
            throw BerthException.Quota($"at most {_options.MaxWebhooks} webhooks (Berth:Webhooks:MaxWebhooks); delete one first");
        }
        var id = "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var record = new WebhookRecord
        {
            Id = id,
            Url = request.Url,
            Types = request.Events,
            TenantId = request.TenantId,
            Workload = request.Workload,
            SealedSecret = protector.Protect(SecretContext, id, Encoding.UTF8.GetBytes(secret)),
            CreatedAt = Now,
            CreatedBy = createdBy,
            // From now on: a new webhook is not flooded with the whole retained history.
            Cursor = await events.LatestSequenceAsync(CancellationToken.None),
            OperationId = operationId,
        };
        Webhooks[id] = record;
        state.State.Operations[operationId] = id;
        await PersistAsync();
        await KeepAliveAsync(true);
        logger.LogInformation("Webhook {Webhook} created for {Url} ({Events})", id, record.Url, record.Types.Length == 0 ? "every event" : string.Join(",", record.Types.Select(BerthEventNames.Of)));
        return new CreatedWebhook(View(record), secret);
    }

    public Task<WebhookView[]> List() => Task.FromResult(Webhooks.Values.OrderBy(w => w.CreatedAt).Select(View).ToArray());

    public Task<WebhookView?> Get(string webhookId) => Task.FromResult(Webhooks.TryGetValue(webhookId, out var w) ? View(w) : null);

    public async Task<bool> Delete(string webhookId)
    {
        if (!Webhooks.Remove(webhookId, out var record)) return false;
        state.State.Operations.Remove(record.OperationId);
        _pending.Remove(webhookId);
        _secrets.Remove(webhookId);
        await PersistAsync();
        if (Webhooks.Count == 0) await KeepAliveAsync(false);
        logger.LogInformation("Webhook {Webhook} deleted", webhookId);
        return true;
    }

    public Task<WebhookDeadLetter[]?> DeadLetters(string webhookId) =>
        Task.FromResult(Webhooks.TryGetValue(webhookId, out var w) ? w.DeadLetters.Select(d => d.Letter).ToArray() : null);

    public async Task<WebhookDeadLetter> Redeliver(string webhookId, long deadLetterId)
    {
        if (!Webhooks.TryGetValue(webhookId, out var record)) throw BerthException.NotFound($"no webhook {webhookId}");
        var index = record.DeadLetters.FindIndex(d => d.Letter.Id == deadLetterId);
        if (index < 0) throw BerthException.NotFound($"webhook {webhookId} has no dead letter {deadLetterId}");
        var stored = record.DeadLetters[index];
        if (stored.Letter.RedeliveryRequestedAt is not null) return stored.Letter;
        stored = stored with { Letter = stored.Letter with { RedeliveryRequestedAt = Now } };
        record.DeadLetters[index] = stored;
        await PersistAsync();
        return stored.Letter;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var changed = false;
        long? latest = null;
        foreach (var record in Webhooks.Values.ToList())
        {
            if (_pending.TryGetValue(record.Id, out var pending) && pending.InFlight is { } inFlight)
            {
                if (!inFlight.IsCompleted) continue;
                changed |= Complete(record, pending, await inFlight);
            }
            if (!_pending.TryGetValue(record.Id, out pending))
            {
                latest ??= await events.LatestSequenceAsync(cancellationToken);
                (pending, var moved) = await NextAsync(record, latest.Value, cancellationToken);
                changed |= moved;
                if (pending is null) continue;
                _pending[record.Id] = pending;
            }
            if (Now < pending.NotBefore) continue;
            pending.InFlight = Start(record, pending);
        }
        if (changed) await PersistAsync();
    }

    /// <summary>The next delivery of a webhook: a redelivery an operator asked for first, then the next matching event after the cursor.</summary>
    private async Task<(PendingDelivery? Next, bool CursorMoved)> NextAsync(WebhookRecord record, long latest, CancellationToken cancellationToken)
    {
        if (record.DeadLetters.FirstOrDefault(d => d.Letter.RedeliveryRequestedAt is not null) is { } redelivery)
        {
            return (new PendingDelivery(redelivery.Event, redelivery.Letter.Id), false);
        }
        if (record.Cursor >= latest) return (null, false);
        var next = await events.ReadAsync(record.Query(record.Cursor), cancellationToken);
        if (next.Count > 0) return (new PendingDelivery(next[0], null), false);
        // Nothing up to the newest event is wanted: skip it all. Sequences are handed out in commit
        // order, so no event at or below it can still appear.
        record.Cursor = latest;
        return (null, true);
    }

    private Task<WebhookOutcome> Start(WebhookRecord record, PendingDelivery pending)
    {
        if (!Uri.TryCreate(record.Url, UriKind.Absolute, out var url)) return Task.FromResult(WebhookOutcome.Failed("the stored url does not parse"));
        var secret = SecretOf(record);
        var body = EventView.Serialize(pending.Event);
        var type = BerthEventNames.Of(pending.Event.Type);
        var id = record.Id;
        var at = Now.ToUnixTimeSeconds();
        // Task.Run: the send runs on the thread pool, outside the grain's turn and scheduler.
        return Task.Run(() => sender.SendAsync(url, id, secret, pending.Event.Sequence, type, body, at));
    }

    /// <summary>Applies a finished attempt; true when the stored record changed.</summary>
    private bool Complete(WebhookRecord record, PendingDelivery pending, WebhookOutcome outcome)
    {
        pending.InFlight = null;
        if (outcome.Delivered)
        {
            _pending.Remove(record.Id);
            if (pending.DeadLetterId is { } letterId) record.DeadLetters.RemoveAll(d => d.Letter.Id == letterId);
            else record.Cursor = Math.Max(record.Cursor, pending.Event.Sequence);
            record.Delivered++;
            record.LastDeliveredAt = Now;
            record.LastError = null;
            return true;
        }
        pending.Failures++;
        pending.LastError = outcome.Error;
        pending.LastStatus = outcome.Status;
        record.LastError = outcome.Error;
        if (pending.Failures < _options.MaxAttempts)
        {
            pending.NotBefore = Now + WebhookBackoff.After(pending.Failures, _options.InitialBackoff, _options.MaxBackoff);
            logger.LogInformation("Webhook {Webhook}: event {Sequence} attempt {Attempt} failed ({Error}); next in {Wait}",
                record.Id, pending.Event.Sequence, pending.Failures, outcome.Error, pending.NotBefore - Now);
            return false;
        }
        _pending.Remove(record.Id);
        var letter = new WebhookDeadLetter
        {
            Id = pending.DeadLetterId ?? ++record.LastDeadLetterId,
            EventSequence = pending.Event.Sequence,
            EventType = BerthEventNames.Of(pending.Event.Type),
            Attempts = pending.Failures,
            LastError = outcome.Error ?? "failed",
            LastStatus = outcome.Status,
            FailedAt = Now,
        };
        if (pending.DeadLetterId is { } again)
        {
            var index = record.DeadLetters.FindIndex(d => d.Letter.Id == again);
            if (index >= 0) record.DeadLetters[index] = new StoredDeadLetter(letter, pending.Event);
        }
        else
        {
            record.DeadLetters.Add(new StoredDeadLetter(letter, pending.Event));
            if (record.DeadLetters.Count > _options.MaxDeadLetters) record.DeadLetters.RemoveRange(0, record.DeadLetters.Count - _options.MaxDeadLetters);
            record.Cursor = Math.Max(record.Cursor, pending.Event.Sequence);
        }
        logger.LogWarning("Webhook {Webhook}: event {Sequence} is a dead letter after {Attempts} attempts: {Error}",
            record.Id, pending.Event.Sequence, pending.Failures, outcome.Error);
        return true;
    }

    private string SecretOf(WebhookRecord record)
    {
        if (!_secrets.TryGetValue(record.Id, out var secret))
        {
            secret = Encoding.UTF8.GetString(protector.Unprotect(SecretContext, record.Id, record.SealedSecret));
            _secrets[record.Id] = secret;
        }
        return secret;
    }

    private static bool SameRequest(WebhookRecord record, WebhookRequest request) =>
        record.Url == request.Url && record.TenantId == request.TenantId && record.Workload == request.Workload
        && record.Types.Order().SequenceEqual(request.Events.Order());

    private WebhookView View(WebhookRecord record) => new()
    {
        Id = record.Id,
        Url = record.Url,
        Events = [.. record.Types.Select(BerthEventNames.Of)],
        TenantId = record.TenantId,
        Workload = record.Workload,
        CreatedAt = record.CreatedAt,
        CreatedBy = record.CreatedBy,
        Cursor = record.Cursor,
        Delivered = record.Delivered,
        LastDeliveredAt = record.LastDeliveredAt,
        LastError = record.LastError,
        Attempts = _pending.TryGetValue(record.Id, out var pending) ? pending.Failures : 0,
        DeadLetters = record.DeadLetters.Count,
    };

    private async Task KeepAliveAsync(bool wanted)
    {
        try
        {
            if (wanted)
            {
                await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            }
            else if (await this.GetReminder(KeepAliveReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex)
        {
            // The timer still runs in this activation; the silo's start-up wake covers a restart.
            logger.LogWarning("The webhook dispatcher's reminder could not be updated: {Error}", ex.Message);
        }
    }

    /// <summary>See <see cref="PersistentStateWrites.WriteOrDeactivateAsync{T}"/>.</summary>
    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}

namespace Berth.Errors;

/// <summary>
/// The one error type grains throw on purpose. It crosses the grain boundary intact, and the
/// gateway turns it into an RFC 9457 problem response with the status of <see cref="Kind"/>.
/// </summary>
[GenerateSerializer, Alias("Berth.Errors.BerthException")]
public sealed class BerthException : Exception
{
    public BerthException(BerthErrorKind kind, string message, string? field = null, int? retryAfterSeconds = null)
        : base(message)
    {
        Kind = kind;
        Field = field;
        RetryAfterSeconds = retryAfterSeconds;
    }

    [Id(0)] public BerthErrorKind Kind { get; init; }

    /// <summary>The request field the error is about, when there is one.</summary>
    [Id(1)] public string? Field { get; init; }

    [Id(2)] public int? RetryAfterSeconds { get; init; }

    /// <summary>Set when a pool refused a claim because it is at <c>max_size</c> (Boilerhouse's clients get 429 for that).</summary>
    [Id(3)] public bool PoolFull { get; init; }

    public static BerthException NotFound(string message) => new(BerthErrorKind.NotFound, message);

    public static BerthException Conflict(string message) => new(BerthErrorKind.Conflict, message);

    public static BerthException Invalid(string field, string message) => new(BerthErrorKind.InvalidInput, message, field);

    public static BerthException Quota(string message, int? retryAfterSeconds = null) =>
        new(BerthErrorKind.QuotaExceeded, message, retryAfterSeconds: retryAfterSeconds);

    public static BerthException Unavailable(string message, int retryAfterSeconds) =>
        new(BerthErrorKind.Unavailable, message, retryAfterSeconds: retryAfterSeconds);

    public static BerthException AtMaxSize(string message, int retryAfterSeconds) =>
        new(BerthErrorKind.Unavailable, message, retryAfterSeconds: retryAfterSeconds) { PoolFull = true };
}

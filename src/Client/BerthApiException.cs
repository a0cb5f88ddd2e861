using System.Net;

namespace Berth.Client;

/// <summary>One field at fault, as a problem's <c>errors</c> lists it.</summary>
public sealed record BerthFieldError(string Field, string Message);

/// <summary>
/// An RFC 9457 problem the gateway answered with: <see cref="Status"/>, <see cref="Title"/>,
/// <see cref="Detail"/>, and <see cref="Field"/> when one input is at fault. Subclasses name the
/// statuses a caller usually branches on.
/// </summary>
public class BerthApiException(int status, string? title, string? detail, string? field = null,
    IReadOnlyList<BerthFieldError>? errors = null, TimeSpan? retryAfter = null, string? instance = null)
    : Exception(MessageOf(status, title, detail, field))
{
    public int Status { get; } = status;
    public string? Title { get; } = title;
    public string? Detail { get; } = detail;
    public string? Field { get; } = field;
    public IReadOnlyList<BerthFieldError> Errors { get; } = errors ?? [];
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public string? Instance { get; } = instance;

    private static string MessageOf(int status, string? title, string? detail, string? field) =>
        $"{status} {title ?? ((HttpStatusCode)status).ToString()}: {detail ?? "no detail"}" + (field is null ? "" : $" (field: {field})");

    /// <summary>The subclass that names <paramref name="status"/>.</summary>
    public static BerthApiException Create(int status, string? title, string? detail, string? field = null,
        IReadOnlyList<BerthFieldError>? errors = null, TimeSpan? retryAfter = null, string? instance = null) => status switch
    {
        400 => new BerthBadRequestException(title, detail, field, errors, retryAfter, instance),
        401 => new BerthUnauthorizedException(title, detail, field, errors, retryAfter, instance),
        403 => new BerthForbiddenException(title, detail, field, errors, retryAfter, instance),
        404 => new BerthNotFoundException(title, detail, field, errors, retryAfter, instance),
        409 => new BerthConflictException(title, detail, field, errors, retryAfter, instance),
        429 => new BerthTooManyRequestsException(title, detail, field, errors, retryAfter, instance),
        503 => new BerthUnavailableException(title, detail, field, errors, retryAfter, instance),
        _ => new BerthApiException(status, title, detail, field, errors, retryAfter, instance),
    };
}

public sealed class BerthBadRequestException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(400, title, detail, field, errors, retryAfter, instance);

public sealed class BerthUnauthorizedException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(401, title, detail, field, errors, retryAfter, instance);

public sealed class BerthForbiddenException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(403, title, detail, field, errors, retryAfter, instance);

public sealed class BerthNotFoundException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(404, title, detail, field, errors, retryAfter, instance);

public sealed class BerthConflictException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(409, title, detail, field, errors, retryAfter, instance);

public sealed class BerthTooManyRequestsException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(429, title, detail, field, errors, retryAfter, instance);

public sealed class BerthUnavailableException(string? title, string? detail, string? field = null, IReadOnlyList<BerthFieldError>? errors = null,
    TimeSpan? retryAfter = null, string? instance = null) : BerthApiException(503, title, detail, field, errors, retryAfter, instance);

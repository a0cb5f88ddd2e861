using Berth.Errors;
using Berth.Specs;
using Microsoft.AspNetCore.Mvc;

namespace Berth.Gateway.Problems;

/// <summary>RFC 9457 problem responses; every error the API returns is built here.</summary>
public static class ProblemResults
{
    public static IResult From(BerthException ex) =>
        Problem(StatusOf(ex.Kind), ex.Message, ex.Field, retryAfterSeconds: ex.RetryAfterSeconds);

    public static int StatusOf(BerthErrorKind kind) => kind switch
    {
        BerthErrorKind.InvalidInput => StatusCodes.Status400BadRequest,
        BerthErrorKind.NotFound => StatusCodes.Status404NotFound,
        BerthErrorKind.Conflict => StatusCodes.Status409Conflict,
        BerthErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        BerthErrorKind.QuotaExceeded => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    public static IResult InvalidSpec(WorkloadSpecException ex) =>
        Problem(StatusCodes.Status400BadRequest, ex.Message, ex.Errors.FirstOrDefault()?.Path is { Length: > 0 } p ? p : null,
            errors: ex.Errors.Select(e => new FieldError(e.Path, e.Message)).ToArray(),
            title: "Invalid workload spec");

    public static IResult BadRequest(string field, string detail) =>
        Problem(StatusCodes.Status400BadRequest, detail, field);

    public static IResult Problem(
        int status,
        string detail,
        string? field = null,
        int? retryAfterSeconds = null,
        FieldError[]? errors = null,
        string? title = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = title ?? TitleOf(status),
            Detail = detail,
            Type = $"https://httpstatuses.io/{status}",
        };
        if (field is not null) problem.Extensions["field"] = field;
        errors ??= field is null ? null : [new FieldError(field, detail)];
        if (errors is not null) problem.Extensions["errors"] = errors;
        if (retryAfterSeconds is not null) problem.Extensions["retryAfterSeconds"] = retryAfterSeconds;
        return new ProblemResult(problem, retryAfterSeconds);
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too many requests",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request body too large",
        415 => "Unsupported media type",
        422 => "Cannot be run",
        503 => "Temporarily unavailable",
        _ => "Error",
    };

    public sealed record FieldError(string Field, string Message);

    /// <summary>Writes the problem as <c>application/problem+json</c>, with Retry-After where given.</summary>
    private sealed class ProblemResult(ProblemDetails problem, int? retryAfterSeconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (retryAfterSeconds is { } seconds)
            {
                httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            problem.Instance ??= httpContext.Request.Path;
            return Results.Problem(problem).ExecuteAsync(httpContext);
        }
    }
}

using Berth.Errors;
using Berth.Specs;
using Microsoft.AspNetCore.Diagnostics;

namespace Berth.Gateway.Problems;

/// <summary>
/// Turns whatever escapes an endpoint into a problem response: Berth errors keep their status,
/// malformed requests are 400/413, and a cluster that cannot be reached is a retryable 503.
/// </summary>
public sealed class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var result = exception switch
        {
            BerthException berth => ProblemResults.From(berth),
            WorkloadSpecException spec => ProblemResults.InvalidSpec(spec),
            BadHttpRequestException bad => ProblemResults.Problem(bad.StatusCode, bad.Message),
            // Details (storage errors carry inner exceptions and stack traces) go to the log, not the client.
            OrleansException or TimeoutException => LogAndHide(httpContext, exception),
            _ => null,
        };
        if (result is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            result = ProblemResults.Problem(StatusCodes.Status500InternalServerError, "internal error; see the gateway log");
        }
        await result.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>The status <see cref="TryHandleAsync"/> answers for an exception (what the audit trail records).</summary>
    public static int StatusOf(Exception exception) => exception switch
    {
        BerthException berth => ProblemResults.StatusOf(berth.Kind),
        WorkloadSpecException => StatusCodes.Status400BadRequest,
        BadHttpRequestException bad => bad.StatusCode,
        OrleansException or TimeoutException => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    private IResult LogAndHide(HttpContext httpContext, Exception exception)
    {
        logger.LogWarning(exception, "The cluster could not serve {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        var detail = exception is TimeoutException
            ? "the cluster did not answer in time; retry"
            : "the cluster is temporarily unavailable (a silo may be failing over); retry";
        return ProblemResults.Problem(StatusCodes.Status503ServiceUnavailable, detail, retryAfterSeconds: 2);
    }
}

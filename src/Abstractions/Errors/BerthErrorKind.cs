namespace Berth.Errors;

/// <summary>What went wrong, in terms a client can act on; the gateway maps each to an HTTP status.</summary>
public enum BerthErrorKind
{
    /// <summary>400: the request itself is wrong.</summary>
    InvalidInput,
    /// <summary>404: the named workload, tenant claim or resource does not exist.</summary>
    NotFound,
    /// <summary>409: the request conflicts with the current state (e.g. deleting a workload in use).</summary>
    Conflict,
    /// <summary>422: well-formed but cannot be run (e.g. the engine lacks the image).</summary>
    Unprocessable,
    /// <summary>503: temporarily impossible (pool at max_size, host down); retry after a delay.</summary>
    Unavailable,
    /// <summary>429: a quota (claims held per tenant, claims per minute per workload) is used up.</summary>
    QuotaExceeded,
}

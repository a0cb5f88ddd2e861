using System.Collections.Frozen;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;

namespace Berth.Gateway.Ui;

/// <summary>
/// <c>/ui/</c>: the operator page. Plain HTML, a stylesheet and a script, embedded in the gateway;
/// the script reads Berth's own API from the browser with the browser's credentials, so the page
/// can show nothing its viewer could not ask the API for.
/// </summary>
public static class OperatorPage
{
    public const string Path = "/ui/";

    // No inline script or style, nothing from another origin, no framing: a tenant id or error
    // text that slipped into the markup could not run, and the page cannot be overlaid elsewhere.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = new Dictionary<string, string>
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["operator.js"] = "text/javascript; charset=utf-8",
        ["operator.css"] = "text/css; charset=utf-8",
    }.ToFrozenDictionary(f => f.Key, f => (Read(f.Key), f.Value), StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapOperatorPage(this IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup("/ui").WithTags("Operator page").ExcludeFromDescription().RequireAuthorization(BerthPolicies.Operate);

        // The page's links are relative to /ui/, so /ui (which routes here too) moves there first.
        ui.MapGet("/", (HttpContext context) => context.Request.Path.Value!.EndsWith('/') ? Serve(context, "index.html") : Results.Redirect(Path));

        ui.MapGet("/{file}", (HttpContext context, string file) =>
            Files.ContainsKey(file) ? Serve(context, file) : ProblemResults.Problem(StatusCodes.Status404NotFound, $"the operator page has no file '{file}'", "file"));

        return app;
    }

    private static IResult Serve(HttpContext context, string file)
    {
        var (content, contentType) = Files[file];
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Small files: always asked again, so a new gateway's page never runs an old script.
        headers.CacheControl = "no-cache";
        return Results.Bytes(content, contentType);
    }

    private static byte[] Read(string file)
    {
        var name = $"Berth.Gateway.Ui.{file}";
        using var stream = typeof(OperatorPage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the gateway was built without its operator page file {name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Configuration;
using Berth.Gateway;
using Berth.Gateway.Audit;
using Berth.Gateway.Cluster;
using Berth.Gateway.Endpoints;
using Berth.Gateway.Health;
using Berth.Gateway.Problems;
using Berth.Gateway.Proxy;
using Berth.Gateway.Security;
using Berth.Gateway.Telemetry;
using Berth.Gateway.Ui;
using Berth.Grains;

using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var gatewayOptions = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
var databaseOptions = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
builder.Services.Configure<GatewayOptions>(builder.Configuration.GetSection(GatewayOptions.Section));

builder.UseOrleansClient(client =>
{
    if (databaseOptions.Provider == DatabaseProvider.Postgres)
    {
        // Silos register in PostgreSQL; the gateway finds every live one there.
        client.Configure<Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = gatewayOptions.ClusterId;
            o.ServiceId = gatewayOptions.ServiceId;
        });
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = databaseOptions.EffectiveConnectionString;
        });
    }
    else
    {
        client.UseLocalhostClustering(gatewayOptions.EffectiveSiloGatewayPorts, serviceId: gatewayOptions.ServiceId, clusterId: gatewayOptions.ClusterId);
    }
    client.UseBerthClusterTls(builder.Configuration, databaseOptions.Provider);
    client.UseConnectionRetryFilter<ConnectRetryFilter>();
    client.Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = gatewayOptions.CallTimeout);
    client.AddDashboard();
    // Trace context travels with grain calls, so a request's trace runs on through the grains.
    if (GatewayTelemetry.OtlpEnabled(builder.Configuration)) client.AddActivityPropagation();
});

builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
});
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.AddOpenApi();
builder.Services.AddSingleton<GrainCallRetry>();
builder.Services.AddBerthAuth(builder.Configuration);
builder.Services.AddTenantProxy(builder.Configuration);
builder.Services.AddContainerAccess(builder.Configuration);
var proxyOptions = builder.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
builder.Services.AddBerthRateLimits(gatewayOptions.RateLimit, proxyOptions);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = gatewayOptions.MaxRequestBodyBytes);
builder.Services.AddSingleton<IAuditLog>(databaseOptions.Provider switch
{
    DatabaseProvider.Postgres => new PostgresAuditLog(databaseOptions.EffectiveConnectionString),
    DatabaseProvider.Sqlite => new SqliteAuditLog(databaseOptions.EffectiveConnectionString),
    _ => new MemoryAuditLog(),
});
builder.Services.AddSingleton<AuditWriter>();
builder.Services.ValidateGatewaySettings();
builder.Services.AddBerthHealthChecks();
builder.Services.AddBerthGatewayTelemetry(builder.Configuration);
builder.Services.AddHostedService(services => services.GetRequiredService<AuditWriter>());

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages(async context =>
{
    // Unmatched routes and methods get a problem body too.
    var response = context.HttpContext.Response;
    await ProblemResults.Problem(response.StatusCode, response.StatusCode == 404 ? "no such endpoint" : "request refused")
        .ExecuteAsync(context.HttpContext);
});

// Before routing: a request for {port}-{tenant}.{domain} is routed as that tenant's proxy path.
app.UseMiddleware<ProxyHostRouting>();
app.UseRouting();
app.UseWebSockets();
app.UseAuthentication();
app.UseMiddleware<AuditMiddleware>();
app.UseRateLimiter();
app.UseAuthorization();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapBerthHealthChecks();
app.MapBerthMetrics();
app.MapWorkloadEndpoints();
app.MapPoolEndpoints();
app.MapHostEndpoints();
app.MapHostStackEndpoints();
app.MapOperatorSecretEndpoints();
app.MapTenantEndpoints();
app.MapTenantLifecycleEndpoints();
app.MapProxyEndpoints();
app.MapContainerAccessEndpoints();
app.MapBoilerhouseEndpoints();
app.MapApiKeyEndpoints();
app.MapAuditEndpoints();
app.MapEventEndpoints();
app.MapWebhookEndpoints();
app.MapOperationEndpoints();
app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(BerthPolicies.Operate);
app.MapOperatorPage();

app.Run();

/// <summary>Visible to tests that host the gateway in-process.</summary>
public partial class Program;

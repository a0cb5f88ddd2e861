using Berth;
using Berth.Configuration;
using Berth.Silo;
using Berth.Silo.Database;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;

// Settings files live beside the binary; relative paths in them (workloads/) resolve against the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
var berthOptions = builder.Configuration.GetSection(BerthOptions.Section).Get<BerthOptions>() ?? new BerthOptions();
var databaseOptions = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();

builder.Services.AddOptions<SiloOptions>().Bind(builder.Configuration.GetSection(SiloOptions.Section)).ValidateDataAnnotations()
    .Validate(o => o.WorkloadsMode != WorkloadsMode.Always || Directory.Exists(o.WorkloadsDirectory),
        "Silo:WorkloadsMode is always, but Silo:WorkloadsDirectory does not exist (a volume that did not mount?)")
    .ValidateOnStart();
builder.Services.AddBerthSiloTelemetry(builder.Configuration, siloOptions);
builder.Services.AddBerthGrainServices(builder.Configuration);
builder.Services.UseStoredBerthEvents(databaseOptions);
var agentOptions = builder.Configuration.GetSection(AgentOptions.Section).Get<AgentOptions>();
var isAgent = agentOptions is { HostId.Length: > 0 };
// Workload files are the control plane's: an agent silo hosts no catalog to load them into.
if (!isAgent) builder.Services.AddHostedService<WorkloadDirectoryLoader>();

builder.UseOrleans(silo =>
{
    silo.UseBerthDatabase(databaseOptions, siloOptions, berthOptions.ClusterId);
    silo.UseBerthClusterTls(builder.Configuration, databaseOptions.Provider);
    // Only under Kubernetes, by explicit setting: elsewhere nothing here changes.
    if (siloOptions.Kubernetes) silo.UseBerthKubernetesHosting(siloOptions, databaseOptions);
    // How fast a dead silo is declared dead (and its grains move): Orleans' defaults, or Silo:Membership.
    silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(builder.Configuration.GetSection(SiloOptions.Section + ":Membership"));
    silo.AddDashboard();
    // Trace context travels with grain calls, so a gateway request's trace runs on through the grains.
    if (SiloTelemetry.OtlpEnabled(builder.Configuration)) silo.AddActivityPropagation();
    // An agent silo says whose engine it is, so that host's grain is placed on it alone (AgentHostPlacement).
    silo.UseSiloMetadata(isAgent
        ? new Dictionary<string, string> { [Berth.Hosts.AgentSilos.MetadataKey] = agentOptions!.HostId }
        : new Dictionary<string, string>());
    if (isAgent)
    {
        // An agent silo hosts its engine's grain and nothing else of Berth's: losing the agent loses
        // that host only, never a pool, a tenant or the registry that has to notice it is gone.
        silo.Services.PostConfigure<Orleans.Configuration.GrainTypeOptions>(o =>
            o.Classes.RemoveWhere(c => c.Assembly == typeof(Berth.Hosts.AgentHostGrain).Assembly && c != typeof(Berth.Hosts.AgentHostGrain)));
    }
});

var host = builder.Build();
await SchemaInstaller.ApplyAsync(databaseOptions, host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Berth.Silo.Database"), CancellationToken.None);
await host.RunAsync();

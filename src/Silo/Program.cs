using Berth;
using Berth.Configuration;
using Berth.Silo;
using Orleans.Dashboard;

// Settings files live beside the binary; relative paths in them (workloads/) resolve against the working directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
var berthOptions = builder.Configuration.GetSection(BerthOptions.Section).Get<BerthOptions>() ?? new BerthOptions();

builder.Services.Configure<SiloOptions>(builder.Configuration.GetSection(SiloOptions.Section));
builder.Services.AddBerthGrainServices(builder.Configuration);
builder.Services.AddHostedService<WorkloadDirectoryLoader>();

builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(
        siloPort: siloOptions.SiloPort,
        gatewayPort: siloOptions.GatewayPort,
        serviceId: siloOptions.ServiceId,
        clusterId: berthOptions.ClusterId);
    silo.AddMemoryGrainStorage(StorageNames.Berth);
    silo.AddDashboard();
});

await builder.Build().RunAsync();

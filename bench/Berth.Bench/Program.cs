using System.CommandLine;
using Berth.Bench;
using Docker.DotNet;

// One run: baseline Docker, then Berth's claim paths on the same engine, then the control plane
// alone; prints a table with ratios and targets, and writes JSON, Markdown and a PNG chart.
// bench/run.sh starts the gateways and silos this needs; see BENCHMARKS.md.
var gatewayOption = new Option<string>("--gateway") { Description = "Gateway URL of the Docker-backed deployment", DefaultValueFactory = _ => "http://127.0.0.1:5180" };
var controlOption = new Option<string?>("--control-gateway") { Description = "Gateway URL of the in-memory-runtime deployment (control plane); omit to skip" };
var controlPidOption = new Option<int?>("--control-silo-pid") { Description = "Pid of the in-memory deployment's silo, for the memory measurement" };
var controlGatewayPidOption = new Option<int?>("--control-gateway-pid") { Description = "Pid of the in-memory deployment's gateway, for the CPU split" };
var keyOption = new Option<string>("--key") { Description = "Admin API key of both gateways", Required = true };
var dockerOption = new Option<string>("--docker") { Description = "Docker endpoint for the baseline", DefaultValueFactory = _ => "unix:///var/run/docker.sock" };
var imageOption = new Option<string>("--image") { DefaultValueFactory = _ => "berth-busybox:test" };
var networkOption = new Option<string>("--network") { Description = "Network of the baseline containers (Berth's tenant network for the default egress policy, none)", DefaultValueFactory = _ => "berth-tenants-none" };
var roundsOption = new Option<int>("--rounds") { DefaultValueFactory = _ => 3 };
var perRoundOption = new Option<int>("--per-round") { Description = "Claims per round (warm, cold) and baseline creates per round", DefaultValueFactory = _ => 20 };
var burstOption = new Option<int>("--burst") { DefaultValueFactory = _ => 100 };
var drainOption = new Option<int>("--drain-claims") { DefaultValueFactory = _ => 40 };
var refillOption = new Option<int>("--refill") { DefaultValueFactory = _ => 20 };
var tenantsOption = new Option<int>("--memory-tenants") { DefaultValueFactory = _ => 10_000 };
var durationOption = new Option<int>("--seconds") { Description = "Length of each throughput measurement", DefaultValueFactory = _ => 10 };
var controlOnlyOption = new Option<bool>("--control-only") { Description = "Skip the Docker scenarios (for profiling the control plane)" };
var poolShapeOption = new Option<string>("--control-pool") { Description = "min,max of each control-plane pool", DefaultValueFactory = _ => "100,1000" };
var scaleOption = new Option<string?>("--scale-gateway") { Description = "Gateway URL of the many-hosts in-memory deployment (scale simulation); omit to skip" };
var scalePidOption = new Option<int?>("--scale-silo-pid") { Description = "Pid of the scale deployment's silo, for memory per tenant" };
var scaleHostsOption = new Option<int>("--scale-hosts") { Description = "Hosts the scale deployment was started with (h0…hN-1)", DefaultValueFactory = _ => 100 };
var scaleTenantsOption = new Option<int>("--scale-tenants") { DefaultValueFactory = _ => 100_000 };
var scaleWorkloadsOption = new Option<int>("--scale-workloads") { DefaultValueFactory = _ => 5 };
var proxyImageOption = new Option<string>("--proxy-image") { Description = "A web image answering GET / on 8080 (scripts/ensure-test-image.sh builds it)", DefaultValueFactory = _ => "berth-web:test" };
var proxyOnlyOption = new Option<bool>("--proxy-only") { Description = "Only the proxy overhead (direct vs through the gateway)" };
var resumeOnlyOption = new Option<bool>("--resume-only") { Description = "Only the resume of a paused container (vs a warm claim and Docker unpause)" };
var outOption = new Option<string>("--out") { DefaultValueFactory = _ => "bench/results" };

var root = new RootCommand("Berth benchmark: claim latency and throughput next to Docker itself")
{
    gatewayOption, controlOption, controlPidOption, controlGatewayPidOption, keyOption, dockerOption, imageOption, networkOption, roundsOption,
    perRoundOption, burstOption, drainOption, refillOption, tenantsOption, durationOption, outOption, controlOnlyOption, poolShapeOption,
    scaleOption, scalePidOption, scaleHostsOption, scaleTenantsOption, scaleWorkloadsOption, proxyImageOption, proxyOnlyOption, resumeOnlyOption,
};
root.SetAction(async (parse, cancellationToken) =>
{
    void Log(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");
    var runId = Guid.NewGuid().ToString("N")[..6];
    var rounds = parse.GetValue(roundsOption);
    var perRound = parse.GetValue(perRoundOption);
    var seconds = TimeSpan.FromSeconds(parse.GetValue(durationOption));
    var key = parse.GetValue(keyOption)!;
    using var docker = new DockerClientConfiguration(new Uri(parse.GetValue(dockerOption)!)).CreateClient();
    var version = await docker.System.GetVersionAsync(cancellationToken);
    var results = new BenchResults
    {
        StartedAt = DateTimeOffset.UtcNow,
        Command = "bash bench/run.sh " + string.Join(' ', args.Where(a => a != key)),
        Machine = MachineInfo.Describe($"{version.Version} (API {version.APIVersion})"),
        Rounds = rounds,
    };
    var baseline = new DockerBaseline(docker, parse.GetValue(imageOption)!, parse.GetValue(networkOption)!, runId);
    using var gateway = new GatewayClient(parse.GetValue(gatewayOption)!, key);
    var scenarios = new Scenarios(gateway, parse.GetValue(imageOption)!, runId, Log);
    try
    {
        var resumeOnly = parse.GetValue(resumeOnlyOption);
        if (!parse.GetValue(controlOnlyOption) && !parse.GetValue(proxyOnlyOption))
        {
            Log("resume of a paused container");
            results.Resume = await new ResumeLatency(gateway, docker, parse.GetValue(imageOption)!, runId, Log).RunAsync(Math.Max(10, rounds * perRound));
        }
        if (!parse.GetValue(controlOnlyOption) && !resumeOnly)
        {
        Log("proxy overhead");
        results.Proxy = await new ProxyOverhead(gateway, runId, Log).RunAsync(parse.GetValue(proxyImageOption)!, concurrency: 16, seconds);
        }
        if (!parse.GetValue(controlOnlyOption) && !parse.GetValue(proxyOnlyOption) && !resumeOnly)
        {
        await scenarios.PrepareTenantNetworkAsync();
        Log("baseline: Docker create+start (warm-up, then sequential and parallel rounds)");
        await baseline.SequentialAsync(2);
        var sequential = new List<double>();
        var parallel = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            sequential.AddRange(await baseline.SequentialAsync(perRound));
            parallel.Add(await baseline.ParallelAsync(perRound, 8));
            Log($"  baseline round {i + 1}/{rounds}: p50 {LatencyStats.Of(sequential.TakeLast(perRound).ToList()).P50:0} ms, {parallel[^1]:0.0} containers/s in parallel");
        }
        results.BaselineCreateStart = LatencyStats.Of(sequential);
        results.BaselineParallelPerSecond = LatencyStats.Median(parallel);

        Log("warm claims");
        results.WarmClaim = LatencyStats.Of(await scenarios.WarmClaimsAsync(rounds, perRound, refilling: false));
        results.WarmClaimRefilling = LatencyStats.Of(await scenarios.WarmClaimsAsync(rounds, perRound, refilling: true));
        Log("cold claims");
        results.ColdClaim = LatencyStats.Of(await scenarios.ColdClaimsAsync(rounds, Math.Max(5, perRound / 2)));
        Log($"burst of {parse.GetValue(burstOption)}");
        results.Burst = await scenarios.BurstAsync(parse.GetValue(burstOption));
        results.BurstLatency = LatencyStats.Of(results.Burst.Latencies);
        Log("drained pool");
        results.Drain = await scenarios.DrainedPoolAsync(parse.GetValue(drainOption), concurrency: 8, minSize: 4);
        results.DrainLatency = LatencyStats.Of(results.Drain.Latencies);
        Log("refill");
        var refills = new List<double>();
        for (var i = 0; i < rounds; i++) refills.Add(await scenarios.RefillAsync(parse.GetValue(refillOption)));
        results.RefillPerSecond = LatencyStats.Median(refills);
        }

        if (parse.GetValue(controlOption) is { } controlUrl && !parse.GetValue(proxyOnlyOption) && !resumeOnly)
        {
            using var control = new GatewayClient(controlUrl, key);
            var plane = new ControlPlane(control, runId, Log, parse.GetValue(controlPidOption), parse.GetValue(controlGatewayPidOption));
            Log("control plane: claims with the in-memory runtime");
            var shape = parse.GetValue(poolShapeOption)!.Split(',').Select(int.Parse).ToArray();
            results.ControlPlaneClaims = await plane.ClaimsAsync(workloads: 32, concurrency: 64, seconds, shape[0], shape[1]);
            Log("control plane: status through the gateway, then a bare Kestrel endpoint");
            (results.GatewayStatusPerSecond, results.GatewayStatusCpu) = await plane.GatewayStatusAsync(64, seconds);
            await using (var bare = await BareKestrel.StartAsync(port: 5199))
            using (var bareClient = new GatewayClient(bare.Url, key))
            {
                results.BareKestrelPerSecond = await ControlPlane.StatusRateAsync(bareClient.Http, 64, seconds, runId);
            }
            if (parse.GetValue(controlPidOption) is { } pid)
            {
                Log($"memory: {parse.GetValue(tenantsOption)} tenant grains");
                results.Memory = await plane.MemoryAsync(pid, parse.GetValue(tenantsOption), concurrency: 32);
            }
        }
        if (parse.GetValue(scaleOption) is { } scaleUrl && !parse.GetValue(proxyOnlyOption) && !resumeOnly)
        {
            using var scaleGateway = new GatewayClient(scaleUrl, key);
            var hosts = Enumerable.Range(0, parse.GetValue(scaleHostsOption)).Select(i => $"h{i}").ToArray();
            Log($"scale: {parse.GetValue(scaleTenantsOption)} tenants over {hosts.Length} in-memory hosts");
            results.Scale = await new ScaleSimulation(scaleGateway, runId, Log, parse.GetValue(scalePidOption))
                .RunAsync(hosts, parse.GetValue(scaleWorkloadsOption), parse.GetValue(scaleTenantsOption), concurrency: 64);
        }
    }
    finally
    {
        await baseline.CleanUpAsync();
    }
    results.LoadAtEnd = MachineInfo.LoadAverage();
    Report.CheckTargets(results);
    Console.WriteLine(Report.Table(results));
    await Report.WriteAsync(results, parse.GetValue(outOption)!);
    Log($"results written to {parse.GetValue(outOption)}/latest.json, latest.md and latest.png");
    return 0;
});
return await root.Parse(args).InvokeAsync();

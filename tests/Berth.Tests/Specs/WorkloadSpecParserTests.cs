using Berth.Specs;

namespace Berth.Tests.Specs;

public sealed class WorkloadSpecParserTests
{
    private const string FullYaml = """
        id: web
        name: Web server
        image: berth-busybox:test
        command: httpd -f -p 8080 -h "/www root"
        environment:
          GREETING: hello
          COUNT: 3
        volumes:
          state:
            target: /data/
          secrets:
            target: /run/secrets
            read_only: true
        ports:
          - 8080
          - "9090/udp"
        healthcheck:
          test: wget -q -O /dev/null http://127.0.0.1:8080/
          interval: 1s
          timeout: 500ms
          retries: 5
          start_period: 1m30s
        deploy:
          resources:
            limits:
              cpus: "0.5"
              memory: 64m
        read_only: true
        user: "1000:1000"
        network_mode: none
        pool:
          min_size: 2
          max_size: 8
          idle_timeout: 5m
          lost_timeout: 2h
        sync:
          sink: s3
          mappings:
            - path: /
              direction: bidirectional
              mode: sync
          policy:
            on_claim: true
            on_release: true
            manual: true
            periodic: 30s
        """;

    [Fact]
    public void Parses_every_field_of_the_Boilerhouse_format()
    {
        var spec = WorkloadSpecParser.ParseYaml(FullYaml);

        Assert.Equal("web", spec.Id);
        Assert.Equal("Web server", spec.Name);
        Assert.Equal(["httpd", "-f", "-p", "8080", "-h", "/www root"], spec.Command!);
        Assert.Equal("hello", spec.Environment["GREETING"]);
        Assert.Equal("3", spec.Environment["COUNT"]);
        Assert.Equal("/data", spec.Volumes.StateTarget);
        Assert.Equal("/run/secrets", spec.Volumes.SecretsTarget);
        Assert.Equal([new PortSpec { ContainerPort = 8080 }, new PortSpec { ContainerPort = 9090, Protocol = "udp" }], spec.Ports);
        Assert.Equal(["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/"], spec.Healthcheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(1), spec.Healthcheck.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), spec.Healthcheck.Timeout);
        Assert.Equal(5, spec.Healthcheck.Retries);
        Assert.Equal(TimeSpan.FromSeconds(90), spec.Healthcheck.StartPeriod);
        Assert.Equal(0.5, spec.Limits.Cpus);
        Assert.Equal(64L * 1024 * 1024, spec.Limits.MemoryBytes);
        Assert.True(spec.ReadOnly);
        Assert.Equal("1000:1000", spec.User);
        Assert.Equal("none", spec.NetworkMode);
        Assert.Equal(new PoolSpec { MinSize = 2, MaxSize = 8, IdleTimeout = TimeSpan.FromMinutes(5), LostTimeout = TimeSpan.FromHours(2) }, spec.Pool);
        Assert.Equal("s3", spec.Sync!.Sink);
        Assert.Equal(SyncMapping.WholeVolume, Assert.Single(spec.Sync.Mappings).Path);
        Assert.Null(spec.Sync.Location);
        Assert.True(spec.Sync.Policy.Manual);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.Sync.Policy.Periodic);
    }

    [Fact]
    public void Json_and_yaml_give_the_same_spec()
    {
        var json = """
            {"id":"web","image":"berth-busybox:test","command":["sleep","3600"],
             "environment":["A=1","B=two"],"ports":[8080],"read_only":false,
             "pool":{"min_size":1,"max_size":3}}
            """;
        var yaml = """
            id: web
            image: berth-busybox:test
            command: [sleep, "3600"]
            environment: { A: "1", B: two }
            ports: [8080]
            read_only: false
            pool: { min_size: 1, max_size: 3 }
            """;
        var fromJson = WorkloadSpecParser.ParseJson(json);
        var fromYaml = WorkloadSpecParser.ParseYaml(yaml);

        Assert.Equal(WorkloadSpecVersion.Compute(fromYaml), WorkloadSpecVersion.Compute(fromJson));
        Assert.Equal(fromYaml.Environment, fromJson.Environment);
        Assert.Equal(fromYaml.Pool, fromJson.Pool);
    }

    [Fact]
    public void Defaults_apply_to_a_minimal_spec()
    {
        var spec = WorkloadSpecParser.ParseYaml("id: tiny\nimage: berth-busybox:test\n");

        Assert.Null(spec.Command);
        Assert.Empty(spec.Ports);
        Assert.Null(spec.Healthcheck);
        Assert.Equal("bridge", spec.NetworkMode);
        Assert.Equal(1, spec.Pool.MinSize);
        Assert.Equal(10, spec.Pool.MaxSize);
    }

    private const string State = "id: w\nimage: i\nvolumes:\n  state:\n    target: /data\n";

    [Theory]
    [InlineData("id: w\nimage: i\npool:\n  min_size: 5\n  max_size: 2\n", "pool.max_size", "must be ≥ min_size")]
    [InlineData("id: w\nimage: i\npool:\n  max_sise: 2\n", "pool.max_sise", "unknown field")]
    [InlineData("id: w\nimage: i\nbogus: 1\n", "bogus", "unknown field")]
    [InlineData("id: w\n", "image", "is required")]
    [InlineData("image: i\n", "id", "is required")]
    [InlineData("id: Bad_Id\nimage: i\n", "id", "must match")]
    [InlineData("id: w\nimage: i\nports: [70000]\n", "ports[0]", "1-65535")]
    [InlineData("id: w\nimage: i\nports: [8080, 8080]\n", "ports[1]", "listed twice")]
    [InlineData("id: w\nimage: i\npool:\n  min_size: -1\n", "pool.min_size", "between")]
    [InlineData("id: w\nimage: i\npool:\n  min_size: lots\n", "pool.min_size", "integer")]
    [InlineData("id: w\nimage: i\npool:\n  idle_timeout: soon\n", "pool.idle_timeout", "duration")]
    [InlineData("id: w\nimage: i\npool:\n  claim_wait: forever\n", "pool.claim_wait", "duration")]
    [InlineData("id: w\nimage: i\npool:\n  claim_wait: 2h\n", "pool.claim_wait", "")]
    [InlineData("id: w\nimage: i\npool:\n  min_size: 4\n  max_warm: 2\n", "pool.max_warm", "must be ≥ min_size")]
    [InlineData("id: w\nimage: i\npool:\n  max_size: 5\n  max_warm: 6\n", "pool.max_warm", "must be ≤ max_size")]
    [InlineData("id: w\nimage: i\npool:\n  max_warm: many\n", "pool.max_warm", "integer")]
    [InlineData("id: w\nimage: i\nnetwork_mode: \"container:other\"\n", "network_mode", "must be one of")]
    [InlineData("id: w\nimage: i\nread_only: maybe\n", "read_only", "true or false")]
    [InlineData("id: w\nimage: i\ndeploy:\n  resources:\n    limits:\n      memory: 1k\n", "deploy.resources.limits.memory", "at least 6m")]
    [InlineData("id: w\nimage: i\ndeploy:\n  resources:\n    limits:\n      cpus: -1\n", "deploy.resources.limits.cpus", "positive")]
    [InlineData("id: w\nimage: i\ndeploy:\n  replicas: 3\n", "deploy.replicas", "unknown field")]
    [InlineData("id: w\nimage: i\nhealthcheck:\n  interval: 1s\n", "healthcheck.test", "is required")]
    [InlineData("id: w\nimage: i\nenvironment:\n  - NOEQUALS\n", "environment[0]", "NAME=VALUE")]
    [InlineData("id: w\nimage: i\nenvironment:\n  1BAD: x\n", "environment.1BAD", "not a valid environment variable name")]
    [InlineData("id: w\nimage: i\nvolumes:\n  state:\n    target: relative/path\n", "volumes.state.target", "absolute path")]
    [InlineData("id: w\nimage: i\nvolumes:\n  state:\n    target: /a/../b\n", "volumes.state.target", "absolute path")]
    [InlineData(State + "sync:\n  sink: bogus\n", "sync.sink", "must be one of")]
    [InlineData(State + "sync:\n  sink: {type: gcs, bucket: b}\n", "sync.sink.type", "rclone backend Berth does not support")]
    [InlineData(State + "sync:\n  sink: {type: azure}\n", "sync.sink.type", "rclone backend Berth does not support")]
    [InlineData(State + "sync:\n  sink: {bucket: b}\n", "sync.sink.type", "is required")]
    [InlineData(State + "sync:\n  sink: {type: s3, bucket: No_Such}\n", "sync.sink.bucket", "bucket name")]
    [InlineData(State + "sync:\n  sink: {type: s3, endpoint: \"ftp://x\"}\n", "sync.sink.endpoint", "http or https")]
    [InlineData(State + "sync:\n  sink: {type: s3, prefix: shared/}\n", "sync.sink.prefix", "${tenantId}")]
    [InlineData(State + "sync:\n  sink: {type: s3, access_key_id: a}\n", "sync.sink.secret_access_key", "give both")]
    [InlineData(State + "sync:\n  sink: {type: filesystem, bucket: b}\n", "sync.sink.type", "type s3 only")]
    [InlineData(State + "sync:\n  sink: {type: s3, acl: private}\n", "sync.sink.acl", "unknown field")]
    [InlineData(State + "sync:\n  sink: {type: s3, rclone_flags: [\"--s3-secret-access-key=abc\"]}\n", "sync.sink.rclone_flags[0]", "must not carry credentials")]
    [InlineData(State + "sync:\n  mappings: [{path: /, direction: sideways}]\n", "sync.mappings[0].direction", "must be one of")]
    [InlineData(State + "sync:\n  mappings: [{path: a}, {path: /a/}]\n", "sync.mappings[1].path", "already mapped")]
    [InlineData(State + "sync:\n  mappings: [{path: a}, {path: a/b}]\n", "sync.mappings[1].path", "nested")]
    [InlineData(State + "sync:\n  mappings: [{path: /}, {path: credentials}]\n", "sync.mappings[1].path", "nested")]
    [InlineData(State + "sync:\n  mappings: [{path: ../etc}]\n", "sync.mappings[0].path", "inside the state volume")]
    [InlineData(State + "sync:\n  mappings: [{direction: upload}]\n", "sync.mappings[0].path", "is required")]
    [InlineData(State + "sync:\n  mappings: [{path: /, mode: mirror}]\n", "sync.mappings[0].mode", "must be one of")]
    [InlineData("id: w\nimage: i\nsync:\n  mappings: [{path: /}]\n", "sync", "needs volumes.state.target")]
    [InlineData("id: w\nimage: i\nports: [{container: 0}]\n", "ports[0].container", "between 1 and 65535")]
    [InlineData("id: w\nimage: i\nports: [{protocol: tcp}]\n", "ports[0].container", "is required")]
    [InlineData("id: w\nimage: i\nports: [{container: 80, protocol: sctp}]\n", "ports[0].protocol", "tcp or udp")]
    [InlineData("id: w\nimage: i\nports: [{container: 80, published: 8080}]\n", "ports[0].published", "Berth chooses the host port")]
    [InlineData("id: w\nimage: i\nports: [{container: 80}, 80]\n", "ports[1]", "listed twice")]
    [InlineData("id: w\nimage: i\nuser: \"root; rm\"\n", "user", "NAME, UID or UID:GID")]
    [InlineData("id: w\nimage: \"bad image\"\n", "image", "not a valid image reference")]
    [InlineData("id: w\nimage: i\npool:\n  idle_timeout: NaN\n", "pool.idle_timeout", "duration")]
    [InlineData("id: w\nimage: i\npool:\n  idle_timeout: Infinity\n", "pool.idle_timeout", "duration")]
    [InlineData("id: w\nimage: i\nhealthcheck:\n  test: true\n  interval: 100000000h\n", "healthcheck.interval", "duration")]
    [InlineData("id: w\nimage: i\nhealthcheck:\n  test: true\n  interval: 2h\n", "healthcheck.interval", "at most 3600s")]
    [InlineData("id: \"w\\n\"\nimage: i\n", "id", "must match")]
    [InlineData("id: w\nimage: i\nuser: \"1000\\n\"\n", "user", "NAME, UID or UID:GID")]
    [InlineData("id: w\nimage: i\nenvironment:\n  \"FOO\\n\": x\n", "environment.FOO\n", "not a valid environment variable name")]
    public void Invalid_specs_name_the_field(string yaml, string path, string message)
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(yaml));

        Assert.Contains(ex.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_keys_are_refused()
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml("id: w\nid: x\nimage: i\n"));
        Assert.Contains("Duplicate key id", ex.Message);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var ex = Assert.Throws<WorkloadSpecException>(() =>
            WorkloadSpecParser.ParseYaml("id: w\npool:\n  min_size: 3\n  max_size: 1\nextra: true\n"));

        Assert.Equal(["extra", "image", "pool.max_size"], ex.Errors.Select(e => e.Path).Order().ToArray());
    }

    [Theory]
    [InlineData("id: [w\n")]
    [InlineData("- just\n- a list\n")]
    [InlineData("")]
    [InlineData("plain scalar")]
    [InlineData("a: 1\n---\nb: 2\n")]
    public void Malformed_yaml_is_a_spec_error_not_a_crash(string yaml)
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(yaml));
        Assert.NotEmpty(ex.Errors);
    }

    [Theory]
    [InlineData("{\"id\": \"w\",")]
    [InlineData("[1,2]")]
    [InlineData("{\"id\":\"w\",\"image\":\"i\",\"id\":\"x\"}")]
    public void Malformed_json_is_a_spec_error_not_a_crash(string json)
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseJson(json));
        Assert.NotEmpty(ex.Errors);
    }

    [Fact]
    public void The_url_id_fills_in_a_missing_id_and_must_match_a_present_one()
    {
        Assert.Equal("from-url", WorkloadSpecParser.ParseYaml("image: i\n", expectedId: "from-url").Id);

        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml("id: other\nimage: i\n", expectedId: "from-url"));
        Assert.Contains(ex.Errors, e => e.Path == "id" && e.Message.Contains("does not match"));
    }

    [Fact]
    public void Pool_settings_do_not_change_the_spec_version_but_the_image_does()
    {
        var a = WorkloadSpecParser.ParseYaml("id: w\nimage: i:1\npool: {min_size: 1}\n");
        var b = WorkloadSpecParser.ParseYaml("id: w\nimage: i:1\npool: {min_size: 4}\n");
        var c = WorkloadSpecParser.ParseYaml("id: w\nimage: i:2\npool: {min_size: 1}\n");

        Assert.Equal(WorkloadSpecVersion.Compute(a), WorkloadSpecVersion.Compute(b));
        Assert.NotEqual(WorkloadSpecVersion.Compute(a), WorkloadSpecVersion.Compute(c));
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("2h", 7_200_000)]
    [InlineData("15", 15)]
    [InlineData("2000", 2_000)]
    public void Durations_parse_like_compose(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("64m", 64L * 1024 * 1024)]
    [InlineData("1g", 1024L * 1024 * 1024)]
    [InlineData("512MiB", 512L * 1024 * 1024)]
    [InlineData("1048576", 1048576L)]
    public void Sizes_parse_like_docker(string text, long bytes)
    {
        Assert.True(ByteSizeParser.TryParse(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Fact]
    public void Bare_numbers_read_as_Boilerhouse_reads_them()
    {
        var spec = WorkloadSpecParser.ParseYaml("""
            id: w
            image: i
            healthcheck: {test: true, interval: 1500, timeout: 2000, start_period: 0}
            deploy: {resources: {limits: {memory: 512}}}
            pool: {idle_timeout: 60000}
            """);

        Assert.Equal(TimeSpan.FromSeconds(2), spec.Healthcheck!.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), spec.Healthcheck.Interval);
        Assert.Equal(512L * 1024 * 1024, spec.Limits.MemoryBytes);
        Assert.Equal(TimeSpan.FromMinutes(1), spec.Pool.IdleTimeout);
    }

    [Fact]
    public void The_Boilerhouse_example_parses_as_written()
    {
        var spec = WorkloadSpecParser.ParseYaml(File.ReadAllText(Path.Combine(Support.RepositoryPaths.Root, "workloads", "examples", "my-worker.yaml")));

        Assert.Equal("my-worker", spec.Id);
        Assert.Equal("My Worker", spec.Name);
        Assert.Equal("berth-busybox:test", spec.Image);
        Assert.Null(spec.Command);
        Assert.Equal("/data", spec.Volumes.StateTarget);
        Assert.Equal("/secrets", spec.Volumes.SecretsTarget);
        Assert.True(spec.Volumes.SecretsReadOnly);
        Assert.Equal(new Dictionary<string, string> { ["DATA_DIR"] = "/data", ["LOG_LEVEL"] = "info", ["NODE_ENV"] = "production" }, spec.Environment);
        Assert.Equal(["CMD", "curl", "-f", "http://localhost:8080/health"], spec.Healthcheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.Healthcheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), spec.Healthcheck.Timeout);
        Assert.Equal(3, spec.Healthcheck.Retries);
        Assert.Equal(TimeSpan.FromSeconds(10), spec.Healthcheck.StartPeriod);
        Assert.Empty(spec.Ports);
        Assert.Equal(2.0, spec.Limits.Cpus);
        Assert.Equal(2L << 30, spec.Limits.MemoryBytes);
        Assert.False(spec.ReadOnly);
        Assert.Equal("1000", spec.User);
        Assert.Equal("bridge", spec.NetworkMode);
        Assert.Equal(new PoolSpec { MinSize = 2, MaxSize = 20, IdleTimeout = TimeSpan.FromMinutes(10) }, spec.Pool);
        var sync = spec.Sync!;
        Assert.Equal("s3", sync.Sink);
        Assert.Equal("my-bucket", sync.Location!.Bucket);
        Assert.Equal("us-east-1", sync.Location.Region);
        Assert.Equal("tenants/${tenantId}/", sync.Location.Prefix);
        Assert.Null(sync.Location.Endpoint);
        Assert.False(sync.Location.HasCredentials);
        var mapping = Assert.Single(sync.Mappings);
        Assert.Equal(new SyncMapping { Path = SyncMapping.WholeVolume, Direction = "bidirectional", Mode = "sync" }, mapping);
        Assert.Equal("/data", mapping.ContainerPath("/data"));
        Assert.Equal(new SyncPolicy { OnClaim = true, OnRelease = true, Manual = true }, sync.Policy);
        Assert.Empty(WorkloadWarnings.Of(spec));
    }

    [Fact]
    public void The_Boilerhouse_examples_commented_fields_parse_with_their_meaning()
    {
        var spec = WorkloadSpecParser.ParseYaml("""
            id: my-worker
            image: berth-busybox:test
            command: ["node", "dist/index.js", "serve"]
            volumes: {state: {target: /data}}
            ports:
              - container: 8080
                protocol: tcp
              - container: 9000
            sync:
              sink:
                type: s3
                bucket: my-bucket
                region: us-east-1
                endpoint: http://minio:9000
                access_key_id: minioadmin
                secret_access_key: minioadmin
                prefix: tenants/${tenantId}/
                rclone_flags:
                  - "--s3-force-path-style"
                  - "--fast-list"
                  - "--s3-upload-cutoff=secret-looking-value"
              mappings:
                - path: credentials
                  direction: bidirectional
                  mode: sync
                - path: cache
                  direction: upload
                  mode: copy
                - path: config.json
                  direction: bidirectional
                  mode: sync
              policy:
                periodic: 5m
            """);

        Assert.Equal(["node", "dist/index.js", "serve"], spec.Command!);
        Assert.Equal([new PortSpec { ContainerPort = 8080 }, new PortSpec { ContainerPort = 9000 }], spec.Ports);
        var location = spec.Sync!.Location!;
        Assert.Equal("http://minio:9000", location.Endpoint);
        Assert.True(location.ForcePathStyle);
        Assert.Equal("minioadmin", location.AccessKeyId);
        Assert.True(location.HasCredentials);
        Assert.Equal(["--fast-list", "--s3-upload-cutoff"], location.IgnoredFlags);
        Assert.Contains("--fast-list", WorkloadWarnings.Of(spec)[0]);
        Assert.Equal(["/data/credentials", "/data/cache", "/data/config.json"], spec.Sync.Mappings.Select(m => m.ContainerPath("/data")));
        Assert.Equal(["bidirectional", "upload", "bidirectional"], spec.Sync.Mappings.Select(m => m.Direction));
        Assert.Equal(TimeSpan.FromMinutes(5), spec.Sync.Policy.Periodic);
        // The keys never reach a JSON answer, nor the version hash.
        var json = System.Text.Json.JsonSerializer.Serialize(spec);
        Assert.DoesNotContain("minioadmin", json);
        Assert.DoesNotContain("secret-looking-value", json);
        Assert.Contains("\"HasCredentials\":true", json);
    }

    [Theory]
    [InlineData("Alice", true)]
    [InlineData("tenant-1.a_b", true)]
    [InlineData("-leading-dash", false)]
    [InlineData("has space", false)]
    [InlineData("slash/inside", false)]
    [InlineData("", false)]
    [InlineData("trailing-newline\n", false)]
    public void Tenant_ids_have_one_shape(string id, bool valid) =>
        Assert.Equal(valid, ResourceIds.IsValidTenantId(id));

    [Fact]
    public void Tenant_ids_are_at_most_128_characters()
    {
        Assert.True(ResourceIds.IsValidTenantId(new string('a', 128)));
        Assert.False(ResourceIds.IsValidTenantId(new string('a', 129)));
    }

    [Theory]
    [InlineData("lol: &l [a, a]\nlol2: &l2 [*l, *l]\nlol3: [*l2, *l2]\n", "aliases")]
    [InlineData("a: &x 1\nb: *x\n", "aliases")]
    public void Aliases_are_refused_before_they_can_expand(string yaml, string message)
    {
        var ex = Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(yaml));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void Documents_nested_or_sized_beyond_any_real_spec_are_refused_without_exhausting_the_stack()
    {
        var deepFlow = new string('[', 100_000) + new string(']', 100_000);
        var deepBlock = string.Concat(Enumerable.Repeat("- ", 50_000)) + "x";
        var wide = "id: w\nimage: i\nenvironment:\n" + string.Concat(Enumerable.Range(0, 25_000).Select(i => $"  V{i}: x\n"));

        Assert.Contains("nests deeper", Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(deepFlow)).Message);
        Assert.Contains("nests deeper", Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(deepBlock)).Message);
        Assert.Contains("more than", Assert.Throws<WorkloadSpecException>(() => WorkloadSpecParser.ParseYaml(wide)).Message);
    }
}

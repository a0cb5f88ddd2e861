using Berth.Specs;

namespace Berth.Tests.Specs;

/// <summary>Host stacks' compose subset: what a good file means, and each kind of bad value refused at its path.</summary>
public sealed class HostStackParserTests
{
    private const string Good = """
        version: "3.8"
        services:
          web:
            image: nginx:1.27
            command: httpd -f -p 8080 -h "/www root"
            environment:
              DB_PASSWORD: ${secret:db-password}
              MODE: prod
            ports:
              - "127.0.0.1:8081:80"
              - "8082:81/udp"
              - 80
              - {target: 9000, published: 9001, host_ip: 127.0.0.1}
            user: "1000:1000"
            restart: unless-stopped
            labels: ["team=ops"]
            healthcheck:
              test: ["CMD", "true"]
              interval: 1500ms
              start_period: 2s
            depends_on:
              db: {condition: service_healthy}
          db:
            image: berth-busybox:test
            command: ["sh", "-c", "echo ${secret:api-key} && sleep 1000"]
            environment: ["A=1", "B=x=y"]
            healthcheck: {test: "true"}
        """;

    [Fact]
    public void A_compose_file_reads_into_services_with_compose_meanings()
    {
        var spec = HostStackParser.ParseYaml(Good, "shop");

        Assert.Equal("shop", spec.Name);
        Assert.Equal(["web", "db"], spec.Services.Select(s => s.Name));
        var web = spec.Services[0];
        Assert.Equal(["httpd", "-f", "-p", "8080", "-h", "/www root"], web.Command!);
        Assert.Equal("${secret:db-password}", web.Environment["DB_PASSWORD"]);
        Assert.Equal(["127.0.0.1:8081:80/tcp", "8082:81/udp", "80/tcp", "127.0.0.1:9001:9000/tcp"], web.Ports.Select(p => p.ToString()));
        Assert.Equal((null, (int?)null), (web.Ports[2].HostIp, web.Ports[2].HostPort));
        Assert.Equal(("1000:1000", "unless-stopped"), (web.User, web.Restart));
        Assert.Equal("ops", web.Labels["team"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), web.Healthcheck!.Interval);
        Assert.Equal([new ServiceDependency("db", true)], web.DependsOn);
        var db = spec.Services[1];
        Assert.Equal(("no", "x=y"), (db.Restart, db.Environment["B"]));
        Assert.Equal(["CMD-SHELL", "true"], db.Healthcheck!.Test);

        Assert.Equal(
            [new HostStackSecretReference("services.web.environment.DB_PASSWORD", "db-password"), new HostStackSecretReference("services.db.command[2]", "api-key")],
            HostStackParser.SecretReferences(spec));
        var rendered = HostStackParser.Render(db, new Dictionary<string, string> { ["api-key"] = "s3cr3t" });
        Assert.Equal("echo s3cr3t && sleep 1000", rendered.Command![2]);
    }

    [Fact]
    public void Json_reads_the_same_way()
    {
        var spec = HostStackParser.ParseJson("""{"services": {"web": {"image": "a:1", "ports": ["8080:80"]}}}""", "s1");
        Assert.Equal(8080, spec.Services[0].Ports[0].HostPort);
    }

    [Theory]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [\"127.0.0.1:8081:80:90\"]", "services.web.ports[0]")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [\"8081:70000\"]", "services.web.ports[0]")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [\"8000-8010:80\"]", "services.web.ports[0]")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [{published: 80}]", "services.web.ports[0].target")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [\"80/sctp\"]", "services.web.ports[0]")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: 80", "services.web.ports")]
    [InlineData("services:\n  web:\n    image: a:1\n    volumes: [\"/:/host\"]", "services.web.volumes")]
    [InlineData("services:\n  web:\n    command: [sh]", "services.web.image")]
    [InlineData("services:\n  web:\n    image: a:1\n    restart: sometimes", "services.web.restart")]
    [InlineData("services:\n  web:\n    image: a:1\n    user: \"a b\"", "services.web.user")]
    [InlineData("services:\n  web:\n    image: a:1\n    labels: {berth.member: x}", "services.web.labels.berth.member")]
    [InlineData("services:\n  web:\n    image: a:1\n    environment: {\"1BAD\": x}", "services.web.environment.1BAD")]
    [InlineData("services:\n  web:\n    image: a:1\n    healthcheck: {test: [\"CMD\", \"true\"], interval: soon}", "services.web.healthcheck.interval")]
    [InlineData("services:\n  web:\n    image: a:1\n    depends_on: [db]", "services.web.depends_on.db")]
    [InlineData("services:\n  web:\n    image: a:1\n    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: a:1", "services.web.depends_on.db.condition")]
    [InlineData("services:\n  web:\n    image: a:1\n    depends_on: [db]\n  db:\n    image: a:1\n    depends_on: [web]", "services.web.depends_on")]
    [InlineData("services:\n  Web_1:\n    image: a:1", "services.Web_1")]
    [InlineData("services:\n  web:\n    image: a:1\n    environment: {A: \"${secret:bad name}\"}", "services.web.environment.A")]
    [InlineData("services:\n  web:\n    image: a:1\n    environment: {A: \"${secret:open\"}", "services.web.environment.A")]
    [InlineData("services:\n  web:\n    image: a:1\n    ports: [\"8081:80\"]\n  api:\n    image: a:1\n    ports: [\"8081:90\"]", "services.api.ports[0]")]
    [InlineData("networks: {}\nservices:\n  web:\n    image: a:1", "networks")]
    [InlineData("name: other\nservices:\n  web:\n    image: a:1", "name")]
    [InlineData("version: '3'", "services")]
    public void Each_bad_value_is_refused_at_its_path(string yaml, string path)
    {
        var error = Assert.Throws<WorkloadSpecException>(() => HostStackParser.ParseYaml(yaml, "shop"));
        Assert.Contains(error.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("Shop")]
    [InlineData("-shop")]
    [InlineData("shop_1")]
    public void Stack_names_are_dns_labels(string name)
    {
        Assert.False(HostStackParser.IsValidName(name));
        var error = Assert.Throws<WorkloadSpecException>(() => HostStackParser.ParseYaml("services:\n  web:\n    image: a:1", name));
        Assert.Equal("name", error.Errors[0].Path);
    }
}

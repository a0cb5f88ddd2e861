using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Workload specs for the Docker tests, on the busybox image that scripts/ensure-test-image.sh builds.</summary>
public static class Workloads
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..18];

    /// <summary>busybox httpd on 8080, healthchecked, limited and read-only: the full set of applied fields.</summary>
    public static string WebServer(string id, int min, int max, bool healthcheck = true) => $"""
        id: {id}
        name: integration web server
        image: {DockerRequirement.TestImage}
        command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
        user: "1000:1000"
        read_only: true
        environment:
          GREETING: hello
        ports: [8080]
        {(healthcheck ? """
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
          interval: 1s
          timeout: 1s
          retries: 3
        """ : "")}
        deploy:
          resources:
            limits:
              cpus: "0.5"
              memory: 64m
        volumes:
          state:
            target: /data
        pool:
          min_size: {min}
          max_size: {max}
        """;

    /// <summary>The cheapest member: a sleeping shell, for tests about counts rather than contents.</summary>
    public static string Sleeper(string id, int min, int max) => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sleep", "3600"]
        deploy:
          resources:
            limits:
              memory: 16m
        pool:
          min_size: {min}
          max_size: {max}
        """;
}

using Berth.Specs;

namespace Berth.Tests.Specs;

public sealed class EnvironmentWorkloadsTests
{
    private static IReadOnlyList<EnvironmentWorkload> Read(params (string Name, string? Value)[] variables) =>
        EnvironmentWorkloads.Read(variables.ToDictionary(v => v.Name, v => v.Value));

    private static WorkloadSpec Valid(EnvironmentWorkload workload)
    {
        Assert.Empty(workload.Errors);
        return Assert.IsType<WorkloadSpec>(workload.Spec);
    }

    [Fact]
    public void Compact_form_reads_every_field_and_fills_blanks()
    {
        var workloads = Read(("BERTH_WORKLOADS",
            "berth-busybox:test|8080|web|1000:1000|httpd -f -p 8080;registry.local:5000/team/api:v2||||;"));

        Assert.Equal(2, workloads.Count);
        var web = Valid(workloads[0]);
        Assert.Equal("web", web.Id);
        Assert.Equal("berth-busybox:test", web.Image);
        Assert.Equal([new PortSpec { ContainerPort = 8080 }], web.Ports);
        Assert.Null(workloads[0].AutoPortProtocol);
        Assert.Equal("1000:1000", web.User);
        Assert.Equal(["httpd", "-f", "-p", "8080"], Assert.IsType<string[]>(web.Command));

        var api = Valid(workloads[1]);
        Assert.Equal("api", api.Id); // last path segment, tag dropped
        Assert.Equal("registry.local:5000/team/api:v2", api.Image);
        Assert.Empty(api.Ports); // blank: the silo allocates one
        Assert.Equal("tcp", workloads[1].AutoPortProtocol);
        Assert.Null(api.User);
        Assert.Null(api.Command);
    }

    [Fact]
    public void Indexed_form_reads_numbered_variables()
    {
        var workloads = Read(
            ("BERTH_WORKLOAD_COUNT", "2"),
            ("BERTH_WORKLOAD_1_IMAGE", "berth-busybox:test"),
            ("BERTH_WORKLOAD_1_PORT", "9090/udp"),
            ("BERTH_WORKLOAD_2_IMAGE", "nginx@sha256:abc"),
            ("BERTH_WORKLOAD_2_NAME", "front"),
            ("BERTH_WORKLOAD_2_CMD", "nginx -g 'daemon off;'"),
            ("BERTH_WORKLOAD_3_IMAGE", "beyond-the-count"));

        Assert.Equal(2, workloads.Count);
        var first = Valid(workloads[0]);
        Assert.Equal("berth-busybox", first.Id);
        Assert.Equal([new PortSpec { ContainerPort = 9090, Protocol = "udp" }], first.Ports);
        var second = Valid(workloads[1]);
        Assert.Equal("front", second.Id);
        Assert.Equal(["nginx", "-g", "daemon off;"], Assert.IsType<string[]>(second.Command));
    }

    [Fact]
    public void Derived_names_are_made_unique_around_given_ones()
    {
        var workloads = Read(("BERTH_WORKLOADS", "a/web:1;b/web:2;c/web:3|||"), ("BERTH_WORKLOAD_COUNT", "1"),
            ("BERTH_WORKLOAD_1_IMAGE", "x"), ("BERTH_WORKLOAD_1_NAME", "web-2"));

        Assert.Equal(["web", "web-3", "web-4", "web-2"], workloads.Select(w => Valid(w).Id));
    }

    [Fact]
    public void Overrides_set_pool_and_entry_fields_by_upper_cased_name()
    {
        var workloads = Read(("BERTH_WORKLOADS", "berth-busybox:test|8080|my-web||"),
            ("BERTH_MIN_SIZE_MY_WEB", "4"), ("BERTH_MAX_SIZE_MY_WEB", "8"),
            ("BERTH_PORT_MY_WEB", "8081"), ("BERTH_CMD_MY_WEB", "sleep 60"), ("BERTH_IDLE_TIMEOUT_MY_WEB", "2m"),
            ("BERTH_MIN_SIZE_OTHER", "3"));

        var spec = Valid(Assert.Single(workloads));
        Assert.Equal(4, spec.Pool.MinSize);
        Assert.Equal(8, spec.Pool.MaxSize);
        Assert.Equal(TimeSpan.FromMinutes(2), spec.Pool.IdleTimeout);
        Assert.Equal([new PortSpec { ContainerPort = 8081 }], spec.Ports);
        Assert.Equal(["sleep", "60"], Assert.IsType<string[]>(spec.Command));
    }

    [Fact]
    public void Nothing_declared_is_no_workloads()
    {
        Assert.Empty(Read(("PATH", "/bin"), ("BERTH_WORKLOADS", "  "), ("BERTH_WORKLOAD_COUNT", "0")));
    }

    [Theory]
    [InlineData("BERTH_WORKLOAD_2_PORT", "70000", "BERTH_WORKLOAD_2_PORT", "1-65535")]
    [InlineData("BERTH_WORKLOAD_2_NAME", "Bad Name", "BERTH_WORKLOAD_2_NAME", "must match")]
    [InlineData("BERTH_WORKLOAD_2_USER", "a b", "BERTH_WORKLOAD_2_USER", "UID:GID")]
    [InlineData("BERTH_WORKLOAD_2_CMD", "sh -c 'open", "BERTH_WORKLOAD_2_CMD", "unterminated quote")]
    [InlineData("BERTH_WORKLOAD_2_IMAGE", " ", "BERTH_WORKLOAD_2_IMAGE", "is required")]
    [InlineData("BERTH_MIN_SIZE_SECOND", "lots", "BERTH_MIN_SIZE_SECOND", "")]
    [InlineData("BERTH_MAX_SIZE_SECOND", "0", "BERTH_MAX_SIZE_SECOND", "")]
    public void Errors_name_the_variable_and_spare_the_other_entries(string variable, string value, string named, string message)
    {
        var environment = new Dictionary<string, string?>
        {
            ["BERTH_WORKLOAD_COUNT"] = "2",
            ["BERTH_WORKLOAD_1_IMAGE"] = "berth-busybox:test",
            ["BERTH_WORKLOAD_2_IMAGE"] = "berth-busybox:test",
            ["BERTH_WORKLOAD_2_NAME"] = "second",
        };
        environment[variable] = value;

        var workloads = EnvironmentWorkloads.Read(environment);

        Assert.Equal(2, workloads.Count);
        Valid(workloads[0]);
        Assert.Null(workloads[1].Spec);
        var error = Assert.Single(workloads[1].Errors, e => e.Path == named);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Compact_errors_name_the_entry_and_field()
    {
        var workloads = Read(("BERTH_WORKLOADS", "ok:1;berth-busybox:test|-5;x|1|2|3|4|5"));

        Valid(workloads[0]);
        var port = Assert.Single(workloads[1].Errors);
        Assert.Equal("BERTH_WORKLOADS entry 2 (port)", port.Path);
        Assert.Equal("BERTH_WORKLOADS entry 3", Assert.Single(workloads[2].Errors).Path);
    }

    [Fact]
    public void A_name_declared_twice_is_refused_on_the_later_entry()
    {
        var workloads = Read(("BERTH_WORKLOADS", "a:1||web||"), ("BERTH_WORKLOAD_COUNT", "1"),
            ("BERTH_WORKLOAD_1_IMAGE", "b:1"), ("BERTH_WORKLOAD_1_NAME", "web"));

        Assert.Equal("a:1", Valid(workloads[0]).Image);
        var error = Assert.Single(workloads[1].Errors);
        Assert.Equal("BERTH_WORKLOAD_1_NAME", error.Path);
        Assert.Contains("declared twice", error.Message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("-1")]
    [InlineData("1001")]
    public void A_bad_count_names_its_variable(string count)
    {
        var error = Assert.Single(Assert.Single(Read(("BERTH_WORKLOAD_COUNT", count))).Errors);
        Assert.Equal("BERTH_WORKLOAD_COUNT", error.Path);
    }

    [Theory]
    [InlineData("0", "tcp")]
    [InlineData("0/udp", "udp")]
    [InlineData(" 0/TCP ", "tcp")]
    public void A_zero_port_is_left_for_the_silo_to_allocate(string port, string protocol)
    {
        var workload = Assert.Single(Read(("BERTH_WORKLOAD_COUNT", "1"), ("BERTH_WORKLOAD_1_IMAGE", "berth-busybox:test"), ("BERTH_WORKLOAD_1_PORT", port)));

        Assert.Empty(Valid(workload).Ports);
        Assert.Equal(protocol, workload.AutoPortProtocol);
    }

    [Fact]
    public void A_zero_port_with_an_unknown_protocol_is_refused_naming_its_variable()
    {
        var workload = Assert.Single(Read(("BERTH_WORKLOAD_COUNT", "1"), ("BERTH_WORKLOAD_1_IMAGE", "berth-busybox:test"), ("BERTH_WORKLOAD_1_PORT", "0/sctp")));

        Assert.Null(workload.Spec);
        Assert.Equal("BERTH_WORKLOAD_1_PORT", Assert.Single(workload.Errors).Path);
    }

    [Fact]
    public void An_override_of_0_asks_for_an_allocated_port_too()
    {
        var workload = Assert.Single(Read(("BERTH_WORKLOADS", "berth-busybox:test|8080|web"), ("BERTH_PORT_WEB", "0")));

        Assert.Empty(Valid(workload).Ports);
        Assert.Equal("tcp", workload.AutoPortProtocol);
    }
}

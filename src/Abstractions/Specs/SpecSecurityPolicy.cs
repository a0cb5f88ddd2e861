namespace Berth.Specs;

/// <summary>
/// The options that would weaken a container's isolation, refused with their field unless the
/// cluster administrator's allow list (silo configuration <c>Berth:Security:AllowedOptions</c>)
/// names them: <c>privileged</c>, <c>network_mode:host</c>, <c>pid:host</c>, <c>ipc:host</c>,
/// and <c>cap_add:NAME</c> for each added capability. Devices and host bind mounts are never allowed.
/// </summary>
public static class SpecSecurityPolicy
{
    public static List<SpecError> Violations(WorkloadSpec spec, IReadOnlyCollection<string> allowed)
    {
        var errors = new List<SpecError>();
        void Check(bool asked, string option, string path, string why)
        {
            if (asked && !allowed.Contains(option, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new SpecError(path, $"is forbidden: {why}; an administrator can allow it by adding '{option}' to Berth:Security:AllowedOptions"));
            }
        }
        Check(spec.Privileged, "privileged", "privileged", "privileged containers can take over the host");
        Check(spec.NetworkMode == "host", "network_mode:host", "network_mode", "host networking lets a tenant reach other tenants and the host");
        Check(spec.PidMode == "host", "pid:host", "pid", "the host PID namespace shows every process on the host");
        Check(spec.IpcMode == "host", "ipc:host", "ipc", "the host IPC namespace is shared with every process on the host");
        for (var i = 0; i < spec.CapAdd.Length; i++)
        {
            Check(true, $"cap_add:{spec.CapAdd[i]}", $"cap_add[{i}]", $"Berth drops every capability; {spec.CapAdd[i]} would be given back");
        }
        return errors;
    }
}

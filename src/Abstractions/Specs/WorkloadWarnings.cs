namespace Berth.Specs;

/// <summary>What a valid spec asks for that Berth accepts but does not act on, named by field.</summary>
public static class WorkloadWarnings
{
    public static string[] Of(WorkloadSpec spec) =>
        [.. (spec.Sync?.Location?.IgnoredFlags ?? []).Select(flag =>
            $"sync.sink.rclone_flags: '{flag}' is ignored (Berth talks to S3 itself; only --s3-force-path-style applies)")];
}

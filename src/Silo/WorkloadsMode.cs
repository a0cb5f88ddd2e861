namespace Berth.Silo;

/// <summary>How the silo reads its workloads directory at start (<see cref="SiloOptions.WorkloadsMode"/>).</summary>
public enum WorkloadsMode
{
    /// <summary>Read when it exists.</summary>
    Auto,

    /// <summary>Required: missing or unreadable stops the silo.</summary>
    Always,

    /// <summary>Not read.</summary>
    Never,
}

namespace Berth.Configuration;

public static class StorageNames
{
    /// <summary>The grain storage provider every Berth grain persists to.</summary>
    public const string Berth = "berth";
}

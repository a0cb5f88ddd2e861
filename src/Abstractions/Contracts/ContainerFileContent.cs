namespace Berth.Contracts;

/// <summary>A file's bytes, or a directory as a tar (entries rooted at the directory's name, as Docker's archive API gives them).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.ContainerFileContent")]
public sealed record ContainerFileContent([property: Id(0)] bool IsDirectory, [property: Id(1)] byte[] Content);

namespace Berth.Client.Models;

/// <summary>An operator secret stored by <c>PUT /secrets/{name}</c>: its name and whether it is new (201) or replaced one (200). Never its value.</summary>
public sealed record OperatorSecretStored(string Name, bool Created);

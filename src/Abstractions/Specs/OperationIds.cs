using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>Operation ids: <c>op-20261203-7f3a9c</c>, the day it started and a random part.</summary>
public static partial class OperationIds
{
    public const string Pattern = "op-[a-z0-9-]{1,60}";

    [GeneratedRegex(@"^" + Pattern + @"\z")]
    private static partial Regex Id();

    public static bool IsValid(string? id) => id is not null && Id().IsMatch(id);

    public static string New(DateTimeOffset now) =>
        $"op-{now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}

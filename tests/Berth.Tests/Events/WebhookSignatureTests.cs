using System.Security.Cryptography;
using System.Text;
using Berth.Webhooks;

namespace Berth.Tests.Events;

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void The_signature_is_the_hex_hmac_sha256_of_time_dot_body_keyed_with_the_secret()
    {
        var body = Encoding.UTF8.GetBytes("""{"sequence":7,"type":"claimed"}""");
        var header = WebhookSignature.Sign("whsec_test", 1_800_000_000, body);

        // Recomputed independently, as a receiver in any language would.
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_test"),
            Encoding.UTF8.GetBytes("1800000000." + """{"sequence":7,"type":"claimed"}""")));
        Assert.Equal($"t=1800000000,v1={expected}", header);
        Assert.True(WebhookSignature.Verify(header, "whsec_test", body, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Another_secret_a_changed_body_or_an_old_time_does_not_verify()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var header = WebhookSignature.Sign("whsec_a", Now.ToUnixTimeSeconds(), body);
        Assert.False(WebhookSignature.Verify(header, "whsec_b", body, Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(header, "whsec_a", Encoding.UTF8.GetBytes("{ }"), Now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(header, "whsec_a", body, Now.AddMinutes(6), TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("t=1,v1=zz", "whsec_a", body, Now, TimeSpan.FromMinutes(5)));
    }
}

using System.Net;
using System.Net.Http.Headers;
using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/secrets</c>: the operator secret store host stacks read <c>${secret:NAME}</c> from. Values go in, never come out.</summary>
public sealed partial class BerthClient
{
    /// <summary>Stores or replaces an operator secret; <paramref name="value"/> is sent as it is (a trailing newline is part of it).</summary>
    public async Task<OperatorSecretStored> PutOperatorSecretAsync(string name, byte[] value, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() =>
        {
            var content = new ByteArrayContent(value);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return Request(HttpMethod.Put, $"/secrets/{Escape(name)}", content);
        }, cancellationToken);
        return new OperatorSecretStored(name, response.StatusCode == HttpStatusCode.Created);
    }

    /// <summary>As above with the value as UTF-8 text.</summary>
    public Task<OperatorSecretStored> PutOperatorSecretAsync(string name, string value, CancellationToken cancellationToken = default) =>
        PutOperatorSecretAsync(name, System.Text.Encoding.UTF8.GetBytes(value), cancellationToken);

    /// <summary>The names of the operator secrets (never their values).</summary>
    public async Task<string[]> ListOperatorSecretsAsync(CancellationToken cancellationToken = default) =>
        (await SendJsonAsync<SecretNames>(() => Request(HttpMethod.Get, "/secrets"), cancellationToken)).Names ?? [];

    public async Task DeleteOperatorSecretAsync(string name, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() => Request(HttpMethod.Delete, $"/secrets/{Escape(name)}"), cancellationToken);
    }

    private sealed record SecretNames(string[]? Names);
}

namespace Berth.Cli;

/// <summary>The y/N question before a change; never asked of a pipe.</summary>
public static class Prompt
{
    /// <summary>True when the change may go ahead: <paramref name="yes"/>, or a "y" typed at the terminal.</summary>
    public static async Task<bool> ConfirmAsync(CliContext context, string question, bool yes, CancellationToken cancellationToken)
    {
        if (yes) return true;
        if (context.InputRedirected)
        {
            throw new CliException(ExitCodes.Usage, "stdin is not a terminal, so nobody can confirm; pass --yes to go ahead without asking");
        }
        context.Error.Write($"{question} [y/N] ");
        context.Error.Flush();
        var answer = (await context.In.ReadLineAsync(cancellationToken))?.Trim();
        return answer is "y" or "Y" or "yes" or "Yes";
    }
}

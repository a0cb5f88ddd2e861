using System.CommandLine;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth completion bash|zsh</c>: a script for the shell's rc file that asks berth itself for completions through
/// System.CommandLine's <c>[suggest]</c> directive.
/// </summary>
public static class CompletionCommand
{
    private const string Bash = """
        # berth completion for bash: eval "$(berth completion bash)" in ~/.bashrc
        _berth_complete() {
            local IFS=$'\n'
            COMPREPLY=( $(berth "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
        }
        complete -o default -F _berth_complete berth
        """;

    private const string Zsh = """
        # berth completion for zsh: eval "$(berth completion zsh)" in ~/.zshrc
        _berth_complete() {
            local -a completions
            completions=("${(@f)$(berth "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -a completions
        }
        compdef _berth_complete berth
        """;

    public static Command Build(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a shell completion script (eval \"$(berth completion bash)\")") { shell };
        command.SetAction(parse =>
        {
            context.Raw.WriteLine(parse.GetValue(shell) == "zsh" ? Zsh : Bash);
            context.Raw.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }
}

using System.Text;

namespace Berth.Specs;

/// <summary>Splits a compose-style command string into words, honouring single and double quotes.</summary>
public static class CommandLineSplitter
{
    public static bool TrySplit(string text, out string[] words)
    {
        var result = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) result.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord) result.Add(current.ToString());
        words = [.. result];
        return quote == '\0';
    }
}

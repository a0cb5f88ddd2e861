using System.Globalization;
using System.Text.Json;
using Berth.Client;
using Spectre.Console;

namespace Berth.Cli;

/// <summary>How results are printed: Spectre tables for people, stable camelCase JSON with <c>--json</c>.</summary>
public static class Output
{
    public static JsonSerializerOptions Json => BerthClient.Json;

    public static JsonSerializerOptions JsonIndented { get; } = new(BerthClient.Json) { WriteIndented = true };

    /// <summary>Prints <paramref name="value"/> as JSON with <c>--json</c>, else calls <paramref name="human"/>.</summary>
    public static void Emit<T>(CliContext context, bool json, T value, Action<IAnsiConsole> human)
    {
        if (json) context.Raw.WriteLine(JsonSerializer.Serialize(value, JsonIndented));
        else human(context.Out);
        context.Raw.Flush();
    }

    /// <summary>One compact JSON line (streams: one object a line).</summary>
    public static void Line<T>(CliContext context, T value)
    {
        context.Raw.WriteLine(JsonSerializer.Serialize(value, Json));
        context.Raw.Flush();
    }

    public static Table Table(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns) table.AddColumn(new TableColumn(Markup.Escape(column)));
        return table;
    }

    public static void Row(this Table table, params object?[] cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(Cell(c))).ToArray());

    public static string Cell(object? value) => value switch
    {
        null => "-",
        DateTimeOffset at => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() is { Length: > 0 } s ? s : "-",
    };

    /// <summary>One "name: value" list, for a single resource.</summary>
    public static Grid Fields(params (string Name, object? Value)[] fields)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (name, value) in fields) grid.AddRow(new Text(name + ":", new Style(decoration: Decoration.Bold)), new Text(Cell(value)));
        return grid;
    }
}

using System.Data.Common;
using System.Text.RegularExpressions;
using Confab.Storage.Schema;
using Dapper;

namespace Confab.Tools.Port;

internal sealed partial class BadRowScanner
{
    /// <summary>
    /// SQLite's lower() folds ASCII only; PostgreSQL's folds every letter. Two values SQLite holds as different can
    /// therefore collide in a unique index on lower(col) in the target. Only values with a non-ASCII character can;
    /// each is folded with Unicode's case mapping (what PostgreSQL's lower() does under a UTF-8 locale) and looked up
    /// among the others.
    /// </summary>
    private async Task FindFoldedDuplicatesAsync(PortTable table, RejectSet rejects, CancellationToken cancellationToken)
    {
        var keyTypes = table.KeyOrdinals.Select(o => table.Types[o]).ToArray();
        foreach (var index in table.Target.Indexes.Where(i => i.Unique))
        {
            var match = LowerIndexPattern().Match(index.Definition);
            if (!match.Success || table.Source.Column(match.Groups[1].Value) is null)
            {
                continue;
            }

            var column = PortTable.Quote(match.Groups[1].Value);
            var keys = string.Join(", ", table.Key.Select(PortTable.Quote));
            var candidates = new List<(object?[] Key, string Value)>();
            await using (var command = source.CreateCommand())
            {
                command.CommandText = $"SELECT {keys}, {column} FROM {PortTable.Quote(table.Name)} WHERE {column} IS NOT NULL AND length(CAST({column} AS BLOB)) <> length({column}) ORDER BY {keys}";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    candidates.Add((Enumerable.Range(0, table.Key.Count).Select(reader.GetValue).ToArray(), reader.GetString(table.Key.Count)));
                }
            }

            if (candidates.Count == 0)
            {
                continue;
            }

            var folded = candidates.Select(c => c.Value.ToLowerInvariant()).ToList();
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < candidates.Count; i++)
            {
                var holder = seen.GetValueOrDefault(folded[i]);
                if (holder is null)
                {
                    // An ASCII value folds the same on both engines, so SQLite's lower() finds it.
                    var ascii = await source.QueryFirstOrDefaultAsync<object>(new CommandDefinition(
                        $"SELECT {keys} FROM {PortTable.Quote(table.Name)} WHERE lower({column}) = @folded AND length(CAST({column} AS BLOB)) = length({column})",
                        new { folded = folded[i] },
                        cancellationToken: cancellationToken));
                    holder = ascii is null ? null : RejectSet.Key([((IDictionary<string, object>)ascii).Values.First()], keyTypes[..1]);
                }

                if (holder is null)
                {
                    seen[folded[i]] = RejectSet.Key(candidates[i].Key, keyTypes);
                    continue;
                }

                rejects.Add(table.Name, candidates[i].Key, keyTypes, $"{match.Groups[1].Value}: equal to the row {holder} under the case-insensitive unique index {index.Name}");
            }
        }
    }

    /// <summary>Rows that refer to a rejected row would dangle in the target: they are rejected too, until nothing changes.</summary>
    private async Task CascadeAsync(RejectSet rejects, CancellationToken cancellationToken)
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var child in tables)
            {
                foreach (var fk in child.Source.ForeignKeys.Where(f => f.Columns.Count == 1))
                {
                    var parent = tables.FirstOrDefault(t => t.Name == fk.ReferencedTable);
                    if (parent is null || !parent.Key.SequenceEqual(fk.ReferencedColumns) || parent.Key.Count != 1)
                    {
                        continue;
                    }

                    var rejectedParents = rejects.In(parent.Name).Select(r => r.KeyValues[0]).ToList();
                    foreach (var batch in rejectedParents.Chunk(CascadeBatch))
                    {
                        changed |= await RejectChildrenAsync(child, fk, parent, batch, rejects, cancellationToken);
                    }
                }
            }
        }
    }

    private async Task<bool> RejectChildrenAsync(
        PortTable child, ForeignKeySchema fk, PortTable parent, object?[] parentKeys, RejectSet rejects, CancellationToken cancellationToken)
    {
        var keyTypes = child.KeyOrdinals.Select(o => child.Types[o]).ToArray();
        await using var command = source.CreateCommand();
        var names = new List<string>();
        for (var i = 0; i < parentKeys.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = parentKeys[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
            names.Add(parameter.ParameterName);
        }

        command.CommandText = $"SELECT {string.Join(", ", child.Key.Select(PortTable.Quote))}, {PortTable.Quote(fk.Columns[0])} FROM {PortTable.Quote(child.Name)} WHERE {PortTable.Quote(fk.Columns[0])} IN ({string.Join(", ", names)})";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var added = false;
        var parentType = parent.Types[parent.KeyOrdinals[0]];
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = Enumerable.Range(0, child.Key.Count).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray();
            var parentKey = RejectSet.Key([reader.GetValue(child.Key.Count)], [parentType]);
            added |= rejects.Add(child.Name, key, keyTypes, $"{fk.Columns[0]}: refers to the rejected {parent.Name} row {parentKey}");
        }

        return added;
    }

    [GeneratedRegex(@"UNIQUE INDEX .* \(lower\(""?(\w+)""?\)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex LowerIndexPattern();
}

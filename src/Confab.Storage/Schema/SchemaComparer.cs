namespace Confab.Storage.Schema;

public enum SchemaComparison
{
    /// <summary>Same engine: every definition must match to the letter (verify-schema, up-down-up).</summary>
    Exact,

    /// <summary>Across engines: same tables, columns, logical types, nullability, keys and named constraints.</summary>
    Logical,
}

/// <summary>Lists the differences between an expected and an actual schema, one readable line each.</summary>
public static class SchemaComparer
{
    /// <summary>
    /// Objects that exist on one engine only, by design, each for a reason: they implement search or an
    /// engine's own guard and hold no data of their own, so parity and the port leave them out.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> EngineSpecific = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["messages_body_fts_idx"] = "PostgreSQL word search (GIN over tsvector); SQLite uses the FTS5 table messages_fts",
        ["messages_body_trgm_idx"] = "PostgreSQL substring search (GIN pg_trgm); SQLite uses the FTS5 table messages_fts",
        ["audit_log_reject_truncate"] = "SQLite has no TRUNCATE",
        ["messages_fts_insert"] = "keeps SQLite's FTS5 index in step",
        ["messages_fts_delete"] = "keeps SQLite's FTS5 index in step",
        ["messages_fts_update"] = "keeps SQLite's FTS5 index in step",
        ["conversation_events_signal"] = "PostgreSQL NOTIFY between nodes; a SQLite server adds it as a TEMP trigger",
        ["user_events_signal"] = "PostgreSQL NOTIFY between nodes; a SQLite server adds it as a TEMP trigger",
        ["auth_sessions_signal"] = "PostgreSQL NOTIFY between nodes; a SQLite server adds it as a TEMP trigger",
    };

    public static IReadOnlyList<string> Compare(SchemaModel expected, SchemaModel actual, SchemaComparison mode)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<string>();
        var logical = mode == SchemaComparison.Logical;
        var expectedTables = expected.Tables.Where(t => !logical || t.Kind == TableKind.Regular).ToDictionary(t => t.Name);
        var actualTables = actual.Tables.Where(t => !logical || t.Kind == TableKind.Regular).ToDictionary(t => t.Name);

        CompareSets(differences, "table", expectedTables.Keys, actualTables.Keys);
        foreach (var name in expectedTables.Keys.Intersect(actualTables.Keys).Order(StringComparer.Ordinal))
        {
            CompareTable(differences, expectedTables[name], actualTables[name], logical);
        }

        var expectedViews = expected.Views.ToDictionary(v => v.Name);
        var actualViews = actual.Views.ToDictionary(v => v.Name);
        CompareSets(differences, "view", expectedViews.Keys, actualViews.Keys);
        foreach (var name in expectedViews.Keys.Intersect(actualViews.Keys).Order(StringComparer.Ordinal))
        {
            var (e, a) = (expectedViews[name], actualViews[name]);
            Expect(differences, $"view {name}: columns", string.Join(", ", e.Columns), string.Join(", ", a.Columns));
            if (!logical)
            {
                Expect(differences, $"view {name}: definition", e.Definition, a.Definition);
            }
        }

        if (!logical)
        {
            var expectedRoutines = expected.Routines.ToDictionary(r => r.Name);
            var actualRoutines = actual.Routines.ToDictionary(r => r.Name);
            CompareSets(differences, "function", expectedRoutines.Keys, actualRoutines.Keys);
            foreach (var name in expectedRoutines.Keys.Intersect(actualRoutines.Keys).Order(StringComparer.Ordinal))
            {
                Expect(differences, $"function {name}: definition", expectedRoutines[name].Definition, actualRoutines[name].Definition);
            }

            CompareSets(differences, "extension", expected.Extensions, actual.Extensions);
        }

        return differences;
    }

    private static void CompareTable(List<string> differences, TableSchema expected, TableSchema actual, bool logical)
    {
        var t = $"table {expected.Name}";
        Expect(differences, $"{t}: column order", string.Join(", ", expected.Columns.Select(c => c.Name)), string.Join(", ", actual.Columns.Select(c => c.Name)));
        foreach (var column in expected.Columns)
        {
            if (actual.Column(column.Name) is not { } other)
            {
                differences.Add($"{t}: column {column.Name} is missing");
                continue;
            }

            var c = $"{t}: column {column.Name}";
            if (logical)
            {
                Expect(differences, $"{c}: type", column.Type.ToString(), other.Type.ToString());
                Expect(differences, $"{c}: has a default", (column.Default is not null || column.Identity).ToString(), (other.Default is not null || other.Identity).ToString());
            }
            else
            {
                Expect(differences, $"{c}: type", column.StoreType, other.StoreType);
                Expect(differences, $"{c}: default", column.Default ?? "(none)", other.Default ?? "(none)");
                Expect(differences, $"{c}: identity", column.Identity.ToString(), other.Identity.ToString());
            }

            Expect(differences, $"{c}: nullable", column.Nullable ? "NULL" : "NOT NULL", other.Nullable ? "NULL" : "NOT NULL");
        }

        foreach (var extra in actual.Columns.Where(c => expected.Column(c.Name) is null))
        {
            differences.Add($"{t}: unexpected column {extra.Name}");
        }

        Expect(differences, $"{t}: primary key", string.Join(", ", expected.PrimaryKey), string.Join(", ", actual.PrimaryKey));
        CompareSets(differences, $"{t}: foreign key", expected.ForeignKeys.Select(f => f.ToString()), actual.ForeignKeys.Select(f => f.ToString()));
        CompareNamed(differences, $"{t}: index", Filter(expected.Indexes, logical, i => i.Name), Filter(actual.Indexes, logical, i => i.Name),
            i => i.Name, i => logical ? (i.Unique ? "unique" : "not unique") : i.Definition);
        CompareNamed(differences, $"{t}: check constraint", expected.Checks, actual.Checks, c => c.Name, c => logical ? string.Empty : c.Definition);
        CompareNamed(differences, $"{t}: trigger", Filter(expected.Triggers, logical, g => g.Name), Filter(actual.Triggers, logical, g => g.Name),
            g => g.Name, g => logical ? string.Empty : g.Definition);
        if (!logical && (expected.Definition is not null || actual.Definition is not null))
        {
            Expect(differences, $"{t}: definition", expected.Definition ?? "(none)", actual.Definition ?? "(none)");
        }
    }

    private static IEnumerable<T> Filter<T>(IEnumerable<T> items, bool logical, Func<T, string> name) =>
        logical ? items.Where(i => !EngineSpecific.ContainsKey(name(i))) : items;

    private static void CompareNamed<T>(List<string> differences, string what, IEnumerable<T> expected, IEnumerable<T> actual, Func<T, string> name, Func<T, string> detail)
    {
        var e = expected.ToDictionary(name);
        var a = actual.ToDictionary(name);
        CompareSets(differences, what, e.Keys, a.Keys);
        foreach (var key in e.Keys.Intersect(a.Keys).Order(StringComparer.Ordinal))
        {
            Expect(differences, $"{what} {key}", detail(e[key]), detail(a[key]));
        }
    }

    private static void CompareSets(List<string> differences, string what, IEnumerable<string> expected, IEnumerable<string> actual)
    {
        var e = expected.ToHashSet(StringComparer.Ordinal);
        var a = actual.ToHashSet(StringComparer.Ordinal);
        differences.AddRange(e.Except(a).Order(StringComparer.Ordinal).Select(x => $"{what} {x} is missing"));
        differences.AddRange(a.Except(e).Order(StringComparer.Ordinal).Select(x => $"{what} {x} is unexpected"));
    }

    private static void Expect(List<string> differences, string what, string expected, string actual)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            differences.Add($"{what}: expected {expected}, found {actual}");
        }
    }
}

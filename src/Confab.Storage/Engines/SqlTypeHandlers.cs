using System.Data;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace Confab.Storage.Engines;

/// <summary>
/// The one place where values whose encoding differs between engines are converted, for every Dapper query:
/// UUIDs, instants and JSON. PostgreSQL gets native uuid, timestamptz and jsonb; SQLite gets the text forms
/// described in <see cref="SqliteValues"/>. The parameter's own type tells which engine a value goes to.
/// </summary>
public static class SqlTypeHandlers
{
    private static int registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }

        // Dapper maps these types itself unless their built-in mapping is removed first; its mapping would store
        // uppercase GUIDs and .NET's own date text in SQLite.
        foreach (var type in new[] { typeof(Guid), typeof(Guid?), typeof(DateTime), typeof(DateTime?), typeof(DateTimeOffset), typeof(DateTimeOffset?) })
        {
            SqlMapper.RemoveTypeMap(type);
        }

        // Rows map to properties named in PascalCase from snake_case columns.
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new GuidHandler());
        SqlMapper.AddTypeHandler(new InstantHandler());
        SqlMapper.AddTypeHandler(new InstantOffsetHandler());
        SqlMapper.AddTypeHandler(new JsonHandler());
    }

    private sealed class GuidHandler : SqlMapper.TypeHandler<Guid>
    {
        public override void SetValue(IDbDataParameter parameter, Guid value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = SqliteValues.Uuid(value);
            }
            else
            {
                parameter.Value = value;
            }
        }

        public override Guid Parse(object value) => value switch
        {
            Guid g => g,
            string s => Guid.Parse(s),
            byte[] b => new Guid(b),
            _ => throw new InvalidCastException($"cannot read a UUID from {value.GetType().Name}"),
        };
    }

    private sealed class InstantHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(IDbDataParameter parameter, DateTime value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = SqliteValues.Instant(value);
            }
            else
            {
                if (parameter is NpgsqlParameter npgsql)
                {
                    npgsql.NpgsqlDbType = NpgsqlDbType.TimestampTz;
                }

                parameter.Value = value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc);
            }
        }

        public override DateTime Parse(object value) => value switch
        {
            DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
            DateTimeOffset dto => dto.UtcDateTime,
            string s => SqliteValues.ParseInstant(s),
            _ => throw new InvalidCastException($"cannot read an instant from {value.GetType().Name}"),
        };
    }

    private sealed class InstantOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        private readonly InstantHandler inner = new();

        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => inner.SetValue(parameter, value.UtcDateTime);

        public override DateTimeOffset Parse(object value) => new(inner.Parse(value), TimeSpan.Zero);
    }

    private sealed class JsonHandler : SqlMapper.TypeHandler<JsonText>
    {
        public override void SetValue(IDbDataParameter parameter, JsonText value)
        {
            if (parameter is NpgsqlParameter npgsql)
            {
                npgsql.NpgsqlDbType = NpgsqlDbType.Jsonb;
            }
            else
            {
                parameter.DbType = DbType.String;
            }

            parameter.Value = value.Text;
        }

        public override JsonText Parse(object value) => new(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null");
    }
}

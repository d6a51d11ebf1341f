using System.Text;
using System.Text.Json;
using CsCheck;

namespace Personalization.Tests.Gateway;

/// <summary>One generated request: what a careless or hostile client might send.</summary>
public sealed record HostileRequest(string Method, string PathAndQuery, byte[]? Body, string? ContentType)
{
    /// <summary>A readable form for a failure message: the body as text where it is text, else as base64.</summary>
    public override string ToString()
    {
        var target = PathAndQuery.Length > 300 ? PathAndQuery[..300] + $"… ({PathAndQuery.Length} characters)" : PathAndQuery;
        if (Body is null) return $"{Method} {target}";
        var text = new UTF8Encoding(false, true);
        string shown;
        try { shown = text.GetString(Body); }
        catch (DecoderFallbackException) { shown = "base64:" + Convert.ToBase64String(Body); }
        if (shown.Length > 2_000) shown = shown[..2_000] + $"… ({Body.Length} bytes)";
        return $"{Method} {target} [{ContentType}] {shown}";
    }
}

/// <summary>
/// Generators of hostile requests for every gateway endpoint: generated JSON shaped like each body (and not),
/// raw-byte mutations of valid bodies (invalid UTF-8, truncation, stray bytes), absurd sizes and nesting, and
/// garbage in every path segment and query parameter.
/// </summary>
public static class HostileRequests
{
    /// <summary>Strings that have broken parsers and validators before.</summary>
    private static readonly string[] NastyStrings =
    [
        "", " ", "u1", "i1", "play", "watch", "rating", "tv", "web", "null", "0", "-1", "1e309", "NaN", "true",
        "\u0000", "\u0007bell", "tab\there", "line\nbreak", "\u00e9t\u00e9", "\u202eevil", "\U0001F600", "\ufeffbom",
        "\ud800", "\udc00x", "a|b", "../../etc/passwd", "%00", "%FF", "<script>alert(1)</script>", "'; DROP TABLE users; --",
        "2026-11-22T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "yesterday",
        new string('x', 257), new string('y', 5_000),
    ];

    /// <summary>Event types, valid and not.</summary>
    private static readonly string[] Types = ["play", "watch", "rating", "thumbs", "click", "impression", "skip", "pause", "rewind", "stare", "PLAY", ""];

    /// <summary>Byte sequences that are not valid UTF-8: a lone continuation byte, an overlong slash, a truncated sequence, an encoded surrogate, bytes never used.</summary>
    private static readonly byte[][] InvalidUtf8 =
    [
        [0x80], [0xC0, 0xAF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE], [0xFF], [0xC3, 0x28],
    ];

    private static Gen<string> Nasty => Pick(NastyStrings);

    /// <summary>One of the values, uniformly.</summary>
    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>One of the generators, chosen in proportion to its weight.</summary>
    private static Gen<T> Weighted<T>(params (int Weight, Gen<T> Gen)[] choices)
    {
        var total = choices.Sum(c => c.Weight);
        return Gen.Int[0, total - 1].SelectMany(r =>
        {
            foreach (var (weight, gen) in choices)
            {
                if (r < weight) return gen;
                r -= weight;
            }
            throw new InvalidOperationException("unreachable");
        });
    }

    /// <summary>Any JSON value, nested at most <paramref name="depth"/> deep.</summary>
    public static Gen<JsonValue> Json(int depth)
    {
        var leaf = Weighted(
            (2, Gen.Const<JsonValue>(new JsonValue.Null())),
            (2, Gen.Bool.Select(b => (JsonValue)new JsonValue.Bool(b))),
            (4, Pick("0", "-1", "1", "3.5", "5", "0.5", "86401", "-0", "1e308", "1e999", "-1e999", "123456789012345678901234567890", "1E-400", "2147483648")
                .Select(n => (JsonValue)new JsonValue.Number(n))),
            (5, Nasty.Select(s => (JsonValue)new JsonValue.String(s))));
        if (depth <= 0) return leaf;
        var inner = Json(depth - 1);
        return Weighted(
            (6, leaf),
            (1, inner.Array[0, 4].Select(a => (JsonValue)new JsonValue.Array(a))),
            (1, Gen.Select(Pick("userId", "itemId", "type", "value", "a", "", "\u0000"), inner).Array[0, 4]
                .Select(p => (JsonValue)new JsonValue.Object(p))));
    }

    /// <summary>An interaction event: each field present or not, plausible or any JSON.</summary>
    public static Gen<JsonValue> Event =>
        Gen.Select(
            Field("userId", Weighted((1, Pick("fuzz-u1", "fuzz-u2", "fuzz-u3")), (1, Nasty)).Select(s => (JsonValue)new JsonValue.String(s))),
            Field("itemId", Weighted((1, Pick("i1", "i2", "i10")), (1, Nasty)).Select(s => (JsonValue)new JsonValue.String(s))),
            Field("type", Pick(Types).Select(s => (JsonValue)new JsonValue.String(s))),
            Field("value", Pick("1", "-1", "4.5", "120", "0", "7", "1e999").Select(n => (JsonValue)new JsonValue.Number(n))),
            Field("timestamp", Nasty.Select(s => (JsonValue)new JsonValue.String(s))),
            Field("context", Gen.Select(Pick("device", "duration", "artworkId", "row", "\ud800", ""), Nasty.Select(s => (JsonValue)new JsonValue.String(s)))
                .Array[0, 4].Select(p => (JsonValue)new JsonValue.Object(p))),
            (userId, itemId, type, value, timestamp, context) =>
                (JsonValue)new JsonValue.Object(new[] { userId, itemId, type, value, timestamp, context }.Where(f => f is not null).Select(f => f!.Value).ToArray()));

    /// <summary>A valid interaction event, the start of the byte mutations.</summary>
    public static Gen<JsonValue> ValidEvent =>
        Gen.Select(Pick("fuzz-u1", "fuzz-u2", "fuzz-u3"), Pick("i1", "i2", "i10", "i42"),
                Pick(("play", (string?)null), ("click", null), ("skip", null), ("pause", null), ("rewind", null), ("watch", "120"), ("rating", "4.5"), ("thumbs", "-1")))
            .Select((user, item, kind) => (JsonValue)new JsonValue.Object(
                [("userId", new JsonValue.String(user)), ("itemId", new JsonValue.String(item)), ("type", new JsonValue.String(kind.Item1)),
                 .. kind.Item2 is { } value ? new[] { ("value", (JsonValue)new JsonValue.Number(value)) } : []]));

    private static Gen<(string, JsonValue)?> Field(string name, Gen<JsonValue> plausible) =>
        Weighted(
            (1, Gen.Const(((string, JsonValue)?)null)),
            (6, plausible.Select(v => ((string, JsonValue)?)(name, v))),
            (2, Json(2).Select(v => ((string, JsonValue)?)(name, v))));

    /// <summary>A <c>POST /v1/events</c> body.</summary>
    public static Gen<byte[]> EventsBody =>
        Weighted(
            (4, Event.Select(Serialize)),
            (4, Event.Array[0, 6].Select(a => Serialize(new JsonValue.Array(a)))),
            (2, Json(3).Select(Serialize)),
            (2, ValidEvent.Array[1, 4].Select(a => Serialize(new JsonValue.Array(a)))),
            (6, Gen.Select(ValidEvent.Array[1, 4].Select(a => Serialize(new JsonValue.Array(a))), Mutations).Select((body, mutate) => mutate(body))),
            (1, Gen.Int[17, 5_000].Select(DeepNesting)),
            (1, Gen.Int[1_001, 1_200].Select(n => Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("""{"userId":"fuzz-u1","itemId":"i1","type":"play"}""", n)) + "]"))));

    /// <summary>A <c>PUT /v1/items/{id}</c> body.</summary>
    public static Gen<byte[]> ItemBody =>
        Weighted(
            (4, Gen.Select(
                Field("title", Nasty.Select(s => (JsonValue)new JsonValue.String(s))),
                Field("genres", Nasty.Select(s => (JsonValue)new JsonValue.String(s)).Array[0, 3].Select(a => (JsonValue)new JsonValue.Array(a))),
                Field("tags", Nasty.Select(s => (JsonValue)new JsonValue.String(s)).Array[0, 3].Select(a => (JsonValue)new JsonValue.Array(a))),
                Field("artwork", Json(2).Array[0, 3].Select(a => (JsonValue)new JsonValue.Array(a))),
                (title, genres, tags, artwork) => Serialize(new JsonValue.Object(new[] { title, genres, tags, artwork }.Where(f => f is not null).Select(f => f!.Value).ToArray())))),
            (1, Json(3).Select(Serialize)),
            (2, Gen.Select(Gen.Const(Encoding.UTF8.GetBytes("""{"title":"Fuzzed title","genres":["Drama"],"tags":["x"]}""")), Mutations).Select((body, mutate) => mutate(body))));

    /// <summary>A <c>POST</c> or <c>PUT /v1/experiments</c> body.</summary>
    public static Gen<byte[]> ExperimentBody =>
        Weighted(
            (3, Gen.Select(
                Field("id", Nasty.Select(s => (JsonValue)new JsonValue.String(s))),
                Field("variants", Gen.Select(
                        Field("name", Nasty.Select(s => (JsonValue)new JsonValue.String(s))),
                        Field("share", Pick("0.5", "1", "0", "-1", "1e999", "2").Select(n => (JsonValue)new JsonValue.Number(n))),
                        Field("settings", Json(2)),
                        (name, share, settings) => (JsonValue)new JsonValue.Object(new[] { name, share, settings }.Where(f => f is not null).Select(f => f!.Value).ToArray()))
                    .Array[0, 3].Select(a => (JsonValue)new JsonValue.Array(a))),
                (id, variants) => Serialize(new JsonValue.Object(new[] { id, variants }.Where(f => f is not null).Select(f => f!.Value).ToArray())))),
            (1, Json(3).Select(Serialize)),
            (2, Gen.Select(Gen.Const(Encoding.UTF8.GetBytes("""{"id":"fuzz-exp","variants":[{"name":"control","share":0.5},{"name":"diverse","share":0.5,"settings":{"diversity":0.3}}]}""")), Mutations)
                .Select((body, mutate) => mutate(body))));

    /// <summary>One to three raw-byte mutations, applied in order.</summary>
    private static Gen<Func<byte[], byte[]>> Mutations =>
        Mutation.Array[1, 3].Select(ms => (Func<byte[], byte[]>)(body => ms.Aggregate(body, (b, m) => m(b))));

    private static Gen<Func<byte[], byte[]>> Mutation =>
        Weighted(
            // Invalid UTF-8 spliced in, most often inside a string, where a parser hands it on instead of failing.
            (4, Gen.Select(Pick(InvalidUtf8), Gen.Double.Unit).Select((bad, at) => (Func<byte[], byte[]>)(b => InsertInString(b, bad, at)))),
            (2, Gen.Select(Pick(InvalidUtf8), Gen.Double.Unit).Select((bad, at) => (Func<byte[], byte[]>)(b => Insert(b, bad, at)))),
            (2, Gen.Select(Gen.Byte, Gen.Double.Unit).Select((value, at) => (Func<byte[], byte[]>)(b => Replace(b, value, at)))),
            (1, Gen.Double.Unit.Select(at => (Func<byte[], byte[]>)(b => b[..(int)(b.Length * at)]))),
            (1, Gen.Select(Gen.Double.Unit, Gen.Double.Unit).Select((from, to) => (Func<byte[], byte[]>)(b => Splice(b, from, to)))));

    private static byte[] InsertInString(byte[] body, byte[] bad, double at)
    {
        var quotes = body.Select((b, i) => (b, i)).Where(p => p.b == (byte)'"').Select(p => p.i).ToArray();
        if (quotes.Length == 0) return Insert(body, bad, at);
        var after = quotes[(int)(at * quotes.Length) % quotes.Length] + 1;
        return [.. body[..after], .. bad, .. body[after..]];
    }

    private static byte[] Insert(byte[] body, byte[] bad, double at)
    {
        var i = (int)(at * body.Length);
        return [.. body[..i], .. bad, .. body[i..]];
    }

    private static byte[] Replace(byte[] body, byte value, double at)
    {
        if (body.Length == 0) return [value];
        var copy = (byte[])body.Clone();
        copy[(int)(at * body.Length) % body.Length] = value;
        return copy;
    }

    private static byte[] Splice(byte[] body, double from, double to)
    {
        var (a, b) = ((int)(from * body.Length), (int)(to * body.Length));
        if (a > b) (a, b) = (b, a);
        return [.. body[..b], .. body[a..]];
    }

    private static byte[] DeepNesting(int depth) =>
        Encoding.UTF8.GetBytes(new string('[', depth) + """{"userId":"fuzz-u1","itemId":"i1","type":"play"}""" + new string(']', depth));

    /// <summary>A path segment: a plausible id, a nasty string escaped, or raw percent-encoded garbage.</summary>
    private static Gen<string> Segment(params string[] plausible) =>
        Weighted(
            (4, Pick(plausible)),
            (3, Nasty.Where(s => s.Length > 0).Select(Uri.EscapeDataString)),
            (2, Pick("%FF", "%C0%AF", "%ED%A0%80", "%00", "%2F", "..", "%25", "%E2%82", "a%20b", "%u0041", "%", "%G1")),
            (1, Gen.Int[257, 3_000].Select(n => new string('z', n))));

    /// <summary>A query parameter value: in range, out of range, not a number, garbage.</summary>
    private static Gen<string> QueryValue(params string[] plausible) =>
        Weighted(
            (4, Pick(plausible)),
            (3, Pick("0", "-1", "-2147483649", "2147483648", "99999999999999999999", "1.5", "1e3", "abc", "", "NaN", "true", "%FF", "%00", "%E2%82", "1%00")),
            (1, Nasty.Select(Uri.EscapeDataString)));

    /// <summary>A query string of the named parameters, each absent, present or repeated.</summary>
    private static Gen<string> Query(params (string Name, string[] Plausible)[] parameters)
    {
        var query = Gen.Const("");
        foreach (var (name, plausible) in parameters)
        {
            var part = Weighted(
                (2, Gen.Const("")),
                (4, QueryValue(plausible).Select(v => $"{name}={v}")),
                (1, Gen.Select(QueryValue(plausible), QueryValue(plausible)).Select((a, b) => $"{name}={a}&{name}={b}")));
            query = Gen.Select(query, part).Select((q, x) => x.Length == 0 ? q : q.Length == 0 ? "?" + x : q + "&" + x);
        }
        return query;
    }

    private static readonly string[] JsonTypes = ["application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16"];

    private static Gen<HostileRequest> WithBody(string method, Gen<string> path, Gen<byte[]> body) =>
        Gen.Select(path, body, Weighted((8, Pick(JsonTypes).Select(t => (string?)t)), (1, Gen.Const((string?)null))))
            .Select((p, b, t) => new HostileRequest(method, p, b, t));

    private static Gen<HostileRequest> Get(Gen<string> path) => path.Select(p => new HostileRequest("GET", p, null, null));

    /// <summary>Every endpoint of the gateway, each with hostile path segments, parameters and bodies.</summary>
    public static Gen<HostileRequest> Any
    {
        get
        {
            var user = Segment("fuzz-u1", "fuzz-u2", "u1");
            var item = Segment("i1", "i2", "fuzz-item");
            var experiment = Segment("fuzz-exp", "exp-1");
            return Weighted(
                (12, WithBody("POST", Gen.Const("/v1/events"), EventsBody)),
                (3, Gen.Select(user, Query(("k", ["1", "20", "200"]))).Select((u, q) => $"/v1/users/{u}/recommendations{q}").Select(p => new HostileRequest("GET", p, null, null))),
                (3, Gen.Select(user, Query(("rows", ["1", "6", "20"]), ("perRow", ["1", "20", "50"]), ("device", ["tv", "mobile", "fridge"]), ("hour", ["0", "20", "23", "24"])))
                    .Select((u, q) => new HostileRequest("GET", $"/v1/users/{u}/rows{q}", null, null))),
                (2, Gen.Select(user, Query(("recent", ["0", "20", "100", "101"]))).Select((u, q) => new HostileRequest("GET", $"/v1/users/{u}{q}", null, null))),
                (2, Gen.Select(item, Query(("k", ["1", "20", "200"]))).Select((i, q) => new HostileRequest("GET", $"/v1/items/{i}/similar{q}", null, null))),
                (2, Gen.Select(item, Query(("recent", ["0", "5", "200", "201"]), ("recentOffset", ["0", "5", "200"])))
                    .Select((i, q) => new HostileRequest("GET", $"/v1/items/{i}{q}", null, null))),
                (4, WithBody("PUT", item.Select(i => $"/v1/items/{i}"), ItemBody)),
                (3, WithBody("POST", Gen.Const("/v1/experiments"), ExperimentBody)),
                (2, WithBody("PUT", Gen.Select(experiment, Query(("reassign", ["true", "false"]))).Select((e, q) => $"/v1/experiments/{e}{q}"), ExperimentBody)),
                (1, Get(experiment.Select(e => $"/v1/experiments/{e}"))),
                (1, Get(Segment("run-1").Select(r => $"/v1/admin/train/{r}"))),
                (1, Get(Pick("/v1/experiments", "/v1/admin/models", "/v1/dashboard", "/v1/cluster", "/healthz", "/v1/nowhere", "/v1/users", "/v1/users//rows"))),
                // Methods no endpoint takes.
                (1, Gen.Select(Pick("DELETE", "PATCH", "PUT", "POST"), Pick("/v1/users/u1/rows", "/v1/items/i1/similar", "/v1/events", "/healthz"))
                    .Select((m, p) => new HostileRequest(m, p, m is "DELETE" ? null : "{}"u8.ToArray(), "application/json"))));
        }
    }

    private static byte[] Serialize(JsonValue value)
    {
        var builder = new StringBuilder();
        value.Write(builder);
        // Lone surrogates in the generated strings are written as escapes by JsonValue.Write; the encoder never sees them.
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}

/// <summary>A generated JSON value, written by hand so that it may hold what serializers refuse to write (lone surrogates, 1e999).</summary>
public abstract record JsonValue
{
    /// <summary>Appends the JSON text.</summary>
    public abstract void Write(StringBuilder to);

    /// <summary>null.</summary>
    public sealed record Null : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to) => to.Append("null");
    }

    /// <summary>true or false.</summary>
    public sealed record Bool(bool Value) : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to) => to.Append(Value ? "true" : "false");
    }

    /// <summary>A number, as its literal text.</summary>
    public sealed record Number(string Literal) : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to) => to.Append(Literal);
    }

    /// <summary>A string; every character outside printable ASCII is escaped as \uXXXX.</summary>
    public sealed record String(string Value) : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to)
        {
            to.Append('"');
            foreach (var c in Value)
            {
                if (c is '"' or '\\') to.Append('\\').Append(c);
                else if (c < 0x20 || c > 0x7E) to.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                else to.Append(c);
            }
            to.Append('"');
        }
    }

    /// <summary>An array.</summary>
    public sealed record Array(JsonValue[] Items) : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to)
        {
            to.Append('[');
            for (var i = 0; i < Items.Length; i++)
            {
                if (i > 0) to.Append(',');
                Items[i].Write(to);
            }
            to.Append(']');
        }
    }

    /// <summary>An object; keys may repeat, as hostile clients send them.</summary>
    public sealed record Object((string Key, JsonValue Value)[] Properties) : JsonValue
    {
        /// <inheritdoc />
        public override void Write(StringBuilder to)
        {
            to.Append('{');
            for (var i = 0; i < Properties.Length; i++)
            {
                if (i > 0) to.Append(',');
                new String(Properties[i].Key).Write(to);
                to.Append(':');
                Properties[i].Value.Write(to);
            }
            to.Append('}');
        }
    }
}

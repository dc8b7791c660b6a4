//! Value semantics the VM must get right where arrow's defaults differ from what
//! `docs/kql.md` promises (and PostgreSQL does): casts to and from timestamps, float
//! zeros and NaN in comparisons, keys and sorts, float rounding, case mapping and
//! float overflow.

mod support;

use support::*;

/// A table with one row of each temporal type, plus a second row before 1970.
fn times(t: &TestDb) -> kalavar_server::exec::Executor {
    let mut root = t.root();
    ok(&mut root, "create namespace v");
    ok(
        &mut root,
        "create shared table v.times (id int64 key, ts timestamp, d date, tm time, s text)",
    );
    ok(
        &mut root,
        r#"insert into v.times
             {id: 1, ts: @2026-11-21T10:00:00.25Z, d: @2026-11-21, tm: "10:30:00"::time, s: "2026-11-21T12:00:00+02:00"},
             {id: 2, ts: @1969-12-31T23:59:59.5Z, d: @1969-12-31, tm: "00:00:00.000001"::time, s: "1969-12-31"}"#,
    );
    root
}

fn column(ex: &mut kalavar_server::exec::Executor, expr: &str) -> Vec<String> {
    ok(ex, &format!("from v.times | sort id | select x = {expr}")).col("x")
}

#[test]
fn casts_to_and_from_timestamps() {
    let t = TestDb::new();
    let mut root = times(&t);
    // From timestamp: the UTC calendar date, the UTC time of day, the canonical text
    // (the literal without `@`, only the fractional digits needed), the microseconds.
    assert_eq!(column(&mut root, "ts::date"), ["2026-11-21", "1969-12-31"]);
    assert_eq!(
        column(&mut root, "ts::time"),
        ["10:00:00.250", "23:59:59.500"]
    );
    assert_eq!(
        column(&mut root, "ts::text"),
        ["2026-11-21T10:00:00.25Z", "1969-12-31T23:59:59.5Z"]
    );
    assert_eq!(
        column(&mut root, "ts::int64"),
        ["1795255200250000", "-500000"]
    );
    assert_eq!(
        column(&mut root, "ts::timestamp"),
        ["2026-11-21T10:00:00.250Z", "1969-12-31T23:59:59.500Z"]
    );
    // To timestamp: a date is its midnight UTC, text may carry an offset, an int64 is
    // microseconds; the text form reads back as the same instant.
    assert_eq!(
        column(&mut root, "d::timestamp"),
        ["2026-11-21T00:00:00Z", "1969-12-31T00:00:00Z"]
    );
    assert_eq!(
        column(&mut root, "s::timestamp"),
        ["2026-11-21T10:00:00Z", "1969-12-31T00:00:00Z"]
    );
    assert_eq!(
        column(&mut root, "(ts::int64 + 1)::timestamp"),
        ["2026-11-21T10:00:00.250001Z", "1969-12-31T23:59:59.500001Z"]
    );
    assert_eq!(
        column(&mut root, "ts::text::timestamp == ts"),
        ["true", "true"]
    );
    assert_eq!(
        column(&mut root, r#""2026-01-01T10:00:00.5-01:00"::timestamp"#),
        ["2026-01-01T11:00:00.500Z"; 2]
    );
    assert_eq!(
        column(&mut root, r#""2026-01-01 10:00:00+02:00"::timestamp"#),
        ["2026-01-01T08:00:00Z"; 2]
    );
    // Seconds may be left out, as in a literal.
    assert_eq!(
        column(&mut root, r#""2026-01-01 10:00"::timestamp"#),
        ["2026-01-01T10:00:00Z"; 2]
    );
    assert_eq!(
        column(&mut root, r#""2026-01-01T10:00-01:30"::timestamp"#),
        ["2026-01-01T11:30:00Z"; 2]
    );
    // Dates and times to and from text.
    assert_eq!(column(&mut root, "d::text"), ["2026-11-21", "1969-12-31"]);
    assert_eq!(column(&mut root, "d::text::date == d"), ["true", "true"]);
    assert_eq!(
        column(&mut root, "tm::text"),
        ["10:30:00", "00:00:00.000001"]
    );
    assert_eq!(column(&mut root, "tm::text::time == tm"), ["true", "true"]);
    // A date compared with a timestamp widens to midnight UTC.
    assert_eq!(
        column(&mut root, "ts > d and ts < d + 1d"),
        ["true", "true"]
    );
    // `now()::date` (SQL's current_date) and a join on a timestamp's date.
    let today = column(&mut root, "now()::date");
    assert_eq!(today[0], column(&mut root, "now()::text")[0][..10]);
    let r = ok(
        &mut root,
        "from v.times as a | join v.times as b on a.ts::date == b.d | select a.id, other = b.id | sort id",
    );
    assert_eq!(r.col("other"), ["1", "2"]);
    // Text that is not a timestamp is a cast error, not a null.
    let e = err(&mut root, r#"from v.times | select x = "soon"::timestamp"#);
    assert_eq!(e.code, "X004", "{e}");
}

/// Floats with both zeros and NaNs of both signs (`-x` of a NaN flips its sign bit,
/// which IEEE total order puts below `-inf`).
fn floats(t: &TestDb) -> kalavar_server::exec::Executor {
    let mut root = t.root();
    ok(&mut root, "create namespace f");
    ok(
        &mut root,
        "create shared table f.t (id int64 key, f float64, g float32)",
    );
    ok(
        &mut root,
        r#"insert into f.t
             {id: 1, f: -0.0, g: (-0.0)::float32},
             {id: 2, f: 0.0, g: 0.0::float32},
             {id: 3, f: "nan"::float64, g: "nan"::float32},
             {id: 4, f: -("nan"::float64), g: -("nan"::float32)},
             {id: 5, f: 1.5, g: 1.5::float32},
             {id: 6, f: -2.5, g: (-2.5)::float32},
             {id: 7, f: null, g: null}"#,
    );
    root
}

fn ids(ex: &mut kalavar_server::exec::Executor, query: &str) -> Vec<String> {
    ok(ex, query).col("id")
}

#[test]
fn minus_zero_equals_zero_and_nan_equals_nan() {
    let t = TestDb::new();
    let mut root = floats(&t);
    let zeros = ["1", "2"];
    let nans = ["3", "4"];
    for col in ["f", "g"] {
        let w = |p: &str| format!("from f.t | where {p} | sort id | select id");
        for p in [
            "== 0",
            "== 0.0",
            "== -0.0",
            ">= 0 and {c} <= 0",
            "in [0.0, 7.0]",
        ] {
            let p = format!("{col} {}", p.replace("{c}", col));
            assert_eq!(ids(&mut root, &w(&p)), zeros, "{p}");
        }
        assert_eq!(ids(&mut root, &w(&format!("{col} < 0"))), ["6"], "{col}");
        assert_eq!(
            ids(&mut root, &w(&format!("{col} != 0"))),
            ["3", "4", "5", "6"]
        );
        assert_eq!(
            ids(&mut root, &w(&format!("{col} == \"nan\"::float64"))),
            nans,
            "{col}"
        );
        assert_eq!(
            ids(&mut root, &w(&format!("{col} > 1e300"))),
            nans,
            "NaN is above every number: {col}"
        );
        assert_eq!(
            ids(&mut root, &w(&format!("{col} < \"nan\"::float64"))),
            ["1", "2", "5", "6"]
        );
    }
    // The same against the cold tier (storage predicates over Parquet).
    ok(&mut root, "flush table f.t");
    assert_eq!(
        ids(&mut root, "from f.t | where f == 0 | sort id | select id"),
        zeros
    );
    // Grouping, distinct, count_distinct: one zero, one NaN.
    let r = ok(
        &mut root,
        "from f.t | where is_not_null(f) | aggregate n = count() by f | sort f",
    );
    assert_eq!(r.col("f"), ["-2.5", "0.0", "1.5", "NaN"]);
    assert_eq!(r.col("n"), ["1", "2", "1", "2"]);
    let r = ok(
        &mut root,
        "from f.t | aggregate n = count_distinct(f), m = count_distinct(g)",
    );
    assert_eq!(r.col("n"), ["4"]);
    assert_eq!(r.col("m"), ["4"]);
    assert_eq!(ok(&mut root, "from f.t | distinct f").rows(), 5);
    assert_eq!(ok(&mut root, "from f.t | distinct g").rows(), 5);
    // Sorts: zeros tie (the second key decides), NaNs after every number, nulls last.
    assert_eq!(
        ids(&mut root, "from f.t | sort f, id desc | select id"),
        ["6", "2", "1", "5", "4", "3", "7"]
    );
    assert_eq!(
        ids(&mut root, "from f.t | sort g desc, id | take 3 | select id"),
        ["3", "4", "5"]
    );
    // min/max: NaN is the largest.
    let r = ok(&mut root, "from f.t | aggregate hi = max(f), lo = min(f)");
    assert_eq!(r.col("hi"), ["NaN"]);
    assert_eq!(r.col("lo"), ["-2.5"]);
    // Join keys: the zeros match each other, the NaNs each other.
    let r = ok(
        &mut root,
        "from f.t as a | join f.t as b on a.f == b.f | aggregate n = count()",
    );
    assert_eq!(r.col("n"), ["10"]);
}

#[test]
fn float_round_goes_to_even_and_decimal_round_away_from_zero() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace r");
    ok(
        &mut root,
        "create shared table r.t (id int64 key, f float64, g float32, d decimal(4, 1))",
    );
    let halves = [0.5, 1.5, 2.5, -0.5, -2.5, 3.5, 2.4, 2.6];
    let rows: Vec<String> = halves
        .iter()
        .enumerate()
        .map(|(i, x)| {
            format!("{{id: {i}, f: {x:?}, g: ({x:?})::float32, d: \"{x}\"::decimal(4, 1)}}")
        })
        .collect();
    ok(&mut root, &format!("insert into r.t {}", rows.join(", ")));
    let r = ok(
        &mut root,
        "from r.t | sort id | select f = round(f), g = round(g), d = round(d)",
    );
    let even = ["0.0", "2.0", "2.0", "-0.0", "-2.0", "4.0", "2.0", "3.0"];
    assert_eq!(r.col("f"), even);
    assert_eq!(r.col("g"), even);
    assert_eq!(
        r.col("d"),
        ["1.0", "2.0", "3.0", "-1.0", "-3.0", "4.0", "2.0", "3.0"]
    );
    // Constants too (computed by the VM, not folded differently by the compiler).
    let r = ok(
        &mut root,
        "from r.t | take 1 | select a = round(2.5), b = round(-0.5), c = round(\"2.5\"::decimal(2, 1))",
    );
    assert_eq!(r.col("a"), ["2.0"]);
    assert_eq!(r.col("b"), ["-0.0"]);
    assert_eq!(r.col("c"), ["3.0"]);
}

#[test]
fn upper_and_lower_map_one_character_to_one() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace c");
    ok(&mut root, "create shared table c.t (id int64 key, s text)");
    ok(
        &mut root,
        r#"insert into c.t {id: 1, s: "straße"}, {id: 2, s: "İSTANBUL ΣΑΣ"}, {id: 3, s: "ᾳ ﬀ Zoë"}"#,
    );
    let r = ok(
        &mut root,
        "from c.t | sort id | select u = upper(s), l = lower(s)",
    );
    assert_eq!(r.col("u"), ["STRAßE", "İSTANBUL ΣΑΣ", "ᾼ ﬀ ZOË"]);
    assert_eq!(r.col("l"), ["straße", "istanbul σασ", "ᾳ ﬀ zoë"]);
    // A literal argument gives the same (the compiler does not fold it another way).
    let r = ok(
        &mut root,
        r#"from c.t | take 1 | select u = upper("straße"), l = lower("ΣΑΣ")"#,
    );
    assert_eq!(r.col("u"), ["STRAßE"]);
    assert_eq!(r.col("l"), ["σασ"]);
    // `=~` lower-cases the same way: `İ` matches `i`.
    let r = ok(
        &mut root,
        r#"from c.t | where s =~ "istanbul σας" | select id"#,
    );
    assert_eq!(r.col("id"), Vec::<String>::new());
    let r = ok(
        &mut root,
        r#"from c.t | where s =~ "istanbul σασ" | select id"#,
    );
    assert_eq!(r.col("id"), ["2"]);
}

#[test]
fn float_overflow_and_underflow_are_errors() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace o");
    ok(
        &mut root,
        "create shared table o.t (id int64 key, f float64, g float32, s text)",
    );
    ok(
        &mut root,
        r#"insert into o.t {id: 1, f: 1e300, g: 3e38::float32, s: "1e400"},
                           {id: 2, f: 1e-300, g: 1e-30::float32, s: "-1e-400"}"#,
    );
    let x = |ex: &mut kalavar_server::exec::Executor, e: &str| -> String {
        let e = err(ex, &format!("from o.t | select x = {e}"));
        assert_eq!(e.code, "X002", "{e}");
        e.message
    };
    // Arithmetic on columns and on constants, float64 and float32.
    assert!(x(&mut root, "f * f").contains("overflow"));
    assert!(x(&mut root, "1e300 * 1e300").contains("overflow"));
    assert!(x(&mut root, "f * 1e8 + 1.7e308").contains("overflow"));
    assert!(x(&mut root, "-f * 1e8 - 1.7e308").contains("overflow"));
    assert!(x(&mut root, "f / 1e-10").contains("overflow"));
    assert!(x(&mut root, "g * 10::float32").contains("overflow"));
    assert!(x(&mut root, "1e-300 * 1e-300").contains("underflow"));
    assert!(x(&mut root, "5e-324 / 2.0").contains("underflow"));
    assert!(x(&mut root, "g * 1e-30::float32").contains("underflow"));
    // Casts: text and float64 → float32 out of range.
    assert!(x(&mut root, "s::float64").contains("overflow"));
    assert!(x(&mut root, r#""-1e-400"::float64"#).contains("underflow"));
    assert!(x(&mut root, "f::float32").contains("overflow"));
    assert!(x(&mut root, "1e300::float32").contains("overflow"));
    assert!(x(&mut root, "1e-300::float32").contains("underflow"));
    // Sums and averages.
    let e = err(&mut root, "from o.t | aggregate s = sum(f * 1e7 + 9e307)");
    assert_eq!(e.code, "X002", "{e}");
    let e = err(
        &mut root,
        "from o.t | aggregate a = avg(f * 1e7 + 9e307) by id == id",
    );
    assert_eq!(e.code, "X002", "{e}");
    // Explicit infinities and NaN go through; exact zeros and in-range values too.
    let r = ok(
        &mut root,
        r#"from o.t | sort id | select a = "inf"::float64 * 2.0, b = "-Infinity"::float64 + f,
             c = "nan"::float64 * f, d = f * 0.0, e = "0e999"::float64, h = f * 1e8,
             i = "inf"::float32, j = f - f"#,
    );
    assert_eq!(r.col("a"), ["inf", "inf"]);
    assert_eq!(r.col("b"), ["-inf", "-inf"]);
    assert_eq!(r.col("c"), ["NaN", "NaN"]);
    assert_eq!(r.col("d"), ["0.0", "0.0"]);
    assert_eq!(r.col("e"), ["0.0", "0.0"]);
    assert_eq!(r.col("h"), ["1e308", "1e-292"]);
    assert_eq!(r.col("i"), ["inf", "inf"]);
    assert_eq!(r.col("j"), ["0.0", "0.0"]);
    let r = ok(
        &mut root,
        r#"from o.t | aggregate s = sum(f), m = sum("inf"::float64)"#,
    );
    assert_eq!(r.col("s"), ["1e300"]);
    assert_eq!(r.col("m"), ["inf"]);
}

#[test]
fn count_of_a_bare_null_is_zero() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace n");
    ok(&mut root, "create shared table n.t (id int64 key, v int64)");
    ok(
        &mut root,
        "insert into n.t {id: 1, v: 1}, {id: 2, v: null}, {id: 3, v: 1}",
    );
    let r = ok(
        &mut root,
        "from n.t | aggregate a = count(null), b = count_distinct(null), c = count(), d = count(v), e = count_distinct(v)",
    );
    assert_eq!(r.col("a"), ["0"]);
    assert_eq!(r.col("b"), ["0"]);
    assert_eq!(r.col("c"), ["3"]);
    assert_eq!(r.col("d"), ["2"]);
    assert_eq!(r.col("e"), ["1"]);
    let r = ok(
        &mut root,
        "from n.t | aggregate a = count(null), b = count_distinct(null), c = count() by id | sort id",
    );
    assert_eq!(r.col("a"), ["0", "0", "0"]);
    assert_eq!(r.col("b"), ["0", "0", "0"]);
    assert_eq!(r.col("c"), ["1", "1", "1"]);
}

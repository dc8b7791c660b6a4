//! Value semantics docs/kql.md and docs/sql.md promise, checked end to end against a
//! real server over mTLS, as a user of `kalavar` (KQL) or its SQL mode sees them:
//! casts from timestamps and their text, float zeros and NaN as keys, float rounding,
//! case mapping, float overflow and `count(null)`.

use kalavar::client::{Client, QueryResult};
use kalavar_tests::differential::kalavar::Kalavar;

#[track_caller]
fn run(client: &mut Client, text: &str) -> QueryResult {
    match client.query(text, &[]) {
        Ok(mut r) => r.pop().unwrap_or_default(),
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

fn rows(r: &QueryResult) -> Vec<Vec<String>> {
    r.rows()
}

fn row(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn kql_timestamps_floats_and_text() {
    let k = Kalavar::start();
    let mut c = k.server.root_client();
    run(
        &mut c,
        "create namespace v;
         create shared table v.t (id int64 key, ts timestamp, f float64, s text) with (access = public);",
    );
    run(
        &mut c,
        r#"insert into v.t {id: 1, ts: @2026-11-21T10:00:00.25Z, f: -0.0, s: "straße"},
                           {id: 2, ts: @2026-11-21T23:59:59Z, f: 0.0, s: "İ"},
                           {id: 3, ts: @1969-12-31T23:00:00Z, f: "nan"::float64, s: "ΣΑΣ"}"#,
    );
    let r = run(
        &mut c,
        "from v.t | sort id | select d = ts::date, t = ts::time, x = ts::text, r = round(id::float64 + 0.5), u = upper(s), l = lower(s)",
    );
    assert_eq!(
        rows(&r),
        vec![
            row(&[
                "2026-11-21",
                "10:00:00.250",
                "2026-11-21T10:00:00.25Z",
                "2.0",
                "STRAßE",
                "straße"
            ]),
            row(&[
                "2026-11-21",
                "23:59:59",
                "2026-11-21T23:59:59Z",
                "2.0",
                "İ",
                "i"
            ]),
            row(&[
                "1969-12-31",
                "23:00:00",
                "1969-12-31T23:00:00Z",
                "4.0",
                "ΣΑΣ",
                "σασ"
            ]),
        ]
    );
    // -0.0 is 0.0 in a filter, a group and a join; NaN is one value above the rest.
    let r = run(&mut c, "from v.t | where f == 0 | sort id | select id");
    assert_eq!(rows(&r), vec![row(&["1"]), row(&["2"])]);
    let r = run(&mut c, "from v.t | aggregate n = count() by f | sort f");
    assert_eq!(rows(&r), vec![row(&["0.0", "2"]), row(&["NaN", "1"])]);
    let r = run(
        &mut c,
        "from v.t as a | join v.t as b on a.f == b.f | aggregate n = count(), z = count(null)",
    );
    assert_eq!(rows(&r), vec![row(&["5", "0"])]);
    // A date joined with a timestamp's date; today from now().
    let r = run(
        &mut c,
        "from v.t | where ts::date == @2026-11-21 and ts::date < now()::date + 36500d | sort id | select id",
    );
    assert_eq!(rows(&r), vec![row(&["1"]), row(&["2"])]);
    // Float overflow is an error, an explicit infinity is not.
    let e = c
        .query("from v.t | select x = f + 1e300 * 1e300", &[])
        .expect_err("1e300 * 1e300 overflows");
    assert_eq!(e.code(), Some("X002"), "{e}");
    let r = run(
        &mut c,
        r#"from v.t | take 1 | select x = "inf"::float64 * 2.0"#,
    );
    assert_eq!(rows(&r), vec![row(&["inf"])]);
}

#[test]
fn sql_mode_follows_postgresql() {
    let mut k = Kalavar::start();
    let r = k
        .execute(
            "select round(2.5::float8), round(-2.5::float8), round(2.5::numeric(2, 1)), upper('straße'), count(NULL)",
            &[],
        )
        .unwrap()
        .1
        .unwrap();
    assert_eq!(rows(&r), vec![row(&["2.0", "-2.0", "3.0", "STRAßE", "0"])]);
    let r = k
        .execute(
            "select now()::date = current_date, now()::date::timestamp <= now()",
            &[],
        )
        .unwrap()
        .1
        .unwrap();
    assert_eq!(rows(&r), vec![row(&["true", "true"])]);
    for overflow in [
        "select 1e300::float8 * 1e300::float8",
        "select '1e400'::float8",
        "select 1e300::float8::real",
    ] {
        let e = k.execute(overflow, &[]).expect_err(overflow);
        assert!(e.contains("X002"), "{overflow}: {e}");
    }
}

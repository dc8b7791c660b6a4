//! Behaviour docs/kql.md and docs/sql.md promise, checked end to end against a real
//! server over mTLS: `like()`/`ilike()` with SQL `LIKE` semantics, quoted names with
//! any characters, limit errors that say what was too big, SQL casts and numeric
//! literals that round and add as PostgreSQL does.

use kalavar::client::{Client, ClientError, QueryResult};
use kalavar_tests::TestServer;
use kalavar_tests::differential::kalavar::Kalavar;

/// Runs one SQL statement (translated on the client, as the shell's SQL mode does).
#[track_caller]
fn sql(k: &mut Kalavar, text: &str) -> QueryResult {
    match k.execute(text, &[]) {
        Ok((_, r)) => r.unwrap_or_default(),
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

/// The start of a statement, for messages (some statements here are megabytes).
fn head(text: &str) -> &str {
    let end = text.char_indices().nth(200).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

#[track_caller]
fn run(client: &mut Client, text: &str) -> QueryResult {
    match client.query(text, &[]) {
        Ok(mut r) => r.pop().unwrap_or_default(),
        Err(e) => panic!("`{}` failed: {}", head(text), head(&e.to_string())),
    }
}

#[track_caller]
fn fails(client: &mut Client, text: &str) -> ClientError {
    match client.query(text, &[]) {
        Ok(r) => panic!(
            "`{}` should fail; returned {} result(s)",
            head(text),
            r.len()
        ),
        Err(e) => e,
    }
}

/// The ids the condition keeps, in order.
#[track_caller]
fn ids(client: &mut Client, condition: &str) -> Vec<String> {
    let r = run(
        client,
        &format!("from lk.w | where {condition} | sort id | select id"),
    );
    r.rows().into_iter().map(|mut row| row.remove(0)).collect()
}

#[test]
fn like_and_ilike_follow_sql_like() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut c = ts.root_client();
    run(
        &mut c,
        "create namespace lk;
         create shared table lk.w (id int64 key, s text) with (access = public);",
    );
    run(
        &mut c,
        r#"insert into lk.w {id: 1, s: "apple"}, {id: 2, s: "Apple pie"}, {id: 3, s: "a_c"},
            {id: 4, s: "abc"}, {id: 5, s: "100%"}, {id: 6, s: "1000"}, {id: 7, s: "x
y"}, {id: 8, s: null}, {id: 9, s: "a.c"};"#,
    );
    assert_eq!(ids(&mut c, r#"like(s, "a%")"#), ["1", "3", "4", "9"]);
    assert_eq!(ids(&mut c, r#"ilike(s, "a%")"#), ["1", "2", "3", "4", "9"]);
    assert_eq!(ids(&mut c, r#"like(s, "a_c")"#), ["3", "4", "9"]);
    assert_eq!(ids(&mut c, r#"like(s, "a\\_c")"#), ["3"]);
    assert_eq!(ids(&mut c, r#"like(s, "a.c")"#), ["9"]);
    assert_eq!(ids(&mut c, r#"like(s, "100\\%")"#), ["5"]);
    assert_eq!(ids(&mut c, r#"like(s, "100%")"#), ["5", "6"]);
    assert_eq!(ids(&mut c, r#"like(s, "x_y")"#), ["7"]);
    assert_eq!(ids(&mut c, r#"like(s, "%pie")"#), ["2"]);
    assert_eq!(ids(&mut c, r#"like(s, "%pl%")"#), ["1", "2"]);
    assert_eq!(ids(&mut c, r#"ilike(s, "APPLE")"#), ["1"]);
    assert_eq!(ids(&mut c, r#"ilike(s, "%P_E")"#), ["1", "2"]);
    assert_eq!(ids(&mut c, r#"ilike(s, "% PIE")"#), ["2"]);
    assert_eq!(ids(&mut c, r#"not like(s, "%")"#), Vec::<String>::new());
    let e = fails(&mut c, "from lk.w | where like(s, s)");
    assert_eq!(e.code(), Some("B005"), "{e}");
    assert!(e.to_string().contains("must be a string literal"), "{e}");
    let e = fails(&mut c, r#"from lk.w | where like(s, "a\\")"#);
    assert_eq!(e.code(), Some("B005"), "{e}");
    let e = fails(&mut c, r#"from lk.w | where like(id, "1%")"#);
    assert_eq!(e.code(), Some("B005"), "{e}");
}

#[test]
fn quoted_names_with_any_characters_work_end_to_end() {
    let mut k = Kalavar::start();
    // SQL reaches such names through double quotes.
    sql(&mut k, r#"create schema "ns y""#);
    sql(
        &mut k,
        r#"create table "ns y"."café" ("ключ" bigint primary key)"#,
    );
    sql(&mut k, r#"insert into "ns y"."café" values (7)"#);
    let r = sql(&mut k, r#"select "ключ" from "ns y"."café""#);
    assert_eq!(r.rows(), vec![vec!["7".to_owned()]]);
    let mut c = k.server.root_client();
    run(
        &mut c,
        "create namespace `ns x`;
         create table `ns x`.`café table` (`ключ` int64 key, `odd name` text, `on` int64)
           with (access = public);",
    );
    run(
        &mut c,
        r#"insert into `ns x`.`café table` {`ключ`: 1, `odd name`: "a", `on`: 5};"#,
    );
    run(
        &mut c,
        "alter table `ns x`.`café table` rename column `odd name` to `名前 2`;",
    );
    let r = run(
        &mut c,
        "from `ns x`.`café table` | select `ключ`, `名前 2`, `on`",
    );
    assert_eq!(r.columns(), ["ключ", "名前 2", "on"]);
    assert_eq!(r.rows(), vec![vec!["1".to_owned(), "a".into(), "5".into()]]);

    // A bulk load finds a table whose namespace has a dot in its name.
    run(
        &mut c,
        "create namespace `v.1`; create shared table `v.1`.items (id int64 key);",
    );
    let target = c.load_target("v.1.items").expect("`v.1`.items is found");
    assert_eq!(target.schema.fields().len(), 1);
    assert!(c.load_target("v.1.nope").is_err());

    // What storage refuses, the compiler refuses first, with B014 on the name.
    let long = "é".repeat(65);
    let at_limit = "é".repeat(64);
    run(
        &mut c,
        &format!("create table `ns x`.`{at_limit}` (`{at_limit}` int64)"),
    );
    for bad in [
        format!("create table `ns x`.`{long}` (a int64)"),
        format!("create namespace `{long}`"),
        "create table `ns x`.t2 (`a\tb` int64)".to_owned(),
        "create table `ns x`.t3 (__hidden int64)".to_owned(),
        "alter table `ns x`.`café table` add column `x\ny` int64".to_owned(),
    ] {
        let e = fails(&mut c, &bad);
        assert_eq!(e.code(), Some("B014"), "{bad}: {e}");
    }
}

#[test]
fn size_limits_are_reported_by_the_compiler_and_long_statements_run() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut c = ts.root_client();
    run(
        &mut c,
        "create namespace big;
         create shared table big.t (id int64 key, s text) with (access = public);",
    );
    // A 3.5 MB insert of 30,000 rows: over the 1 MiB a plan carries of its text and
    // the 4,096 items of an operand list, under the 8 MiB input limit; it runs (the
    // plan goes without its text, and its rows are one `Values` instruction).
    let pad = "x".repeat(100);
    let rows: Vec<String> = (0..30_000)
        .map(|i| format!("{{id: {i}, s: \"{pad}\"}}"))
        .collect();
    let text = format!("insert into big.t {}", rows.join(", "));
    assert!(text.len() > 3_400_000);
    run(&mut c, &text);
    let n = run(&mut c, "from big.t | aggregate n = count()");
    assert_eq!(n.rows(), vec![vec!["30000".to_owned()]]);

    let list = |n: usize| {
        let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        format!(
            "from big.t | where id in [{}] | aggregate n = count()",
            items.join(", ")
        )
    };
    let r = run(&mut c, &list(4094));
    assert_eq!(r.rows(), vec![vec!["4094".to_owned()]]);
    let e = fails(&mut c, &list(4095));
    assert_eq!(e.code(), Some("B017"), "{}", head(&e.to_string()));
    let shown = e.to_string();
    assert!(
        shown.contains("an `in` list of 4095 values"),
        "{}",
        head(&shown)
    );
    assert!(shown.contains("join"), "{}", head(&shown));

    // Past the server's default of 65,536 distinct constants, the client's compile
    // says so in words (B017) instead of sending a plan the verifier refuses (V001).
    let rows: Vec<String> = (100_000..170_000)
        .map(|i| format!("{{id: {i}, s: \"r\"}}"))
        .collect();
    let e = fails(&mut c, &format!("insert into big.t {}", rows.join(", ")));
    assert_eq!(e.code(), Some("B017"), "{}", head(&e.to_string()));
    assert!(
        e.to_string().contains("distinct constant values"),
        "{}",
        head(&e.to_string())
    );
}

#[test]
fn sql_casts_to_integers_round_as_postgresql_does() {
    let mut k = Kalavar::start();
    // PostgreSQL 15: numeric rounds half away from zero, float8 half to even.
    let r = sql(
        &mut k,
        "select cast(3.9 as int), cast(-3.5 as bigint), 2.5::int, cast(3.9::float8 as int), \
         cast(-2.5 as int), (-2.5)::float8::int, 2.5::float8::int, 0.5::smallint",
    );
    assert_eq!(
        r.rows(),
        vec![
            vec!["4", "-4", "3", "4", "-3", "-2", "2", "1"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        ]
    );
    // Number literals are exact decimals and decimal arithmetic has PostgreSQL's
    // result scales: PostgreSQL 15's answers, digit for digit (an exponent moves the
    // point; only a float8 cast makes float arithmetic).
    let r = sql(
        &mut k,
        "select 0.1 + 0.2, 10.0 / 3, 1.10 * 3, 0.1::numeric(2, 1) + 0.2::numeric(2, 1), 12.50, 0.1 + 0.2 = 0.3, 1e-1 + 2e-1, 2.50e1, 0.1::float8 + 0.2::float8",
    );
    assert_eq!(
        r.rows(),
        vec![vec![
            "0.3".to_owned(),
            "3.3333333333333333".into(),
            "3.30".into(),
            "0.3".into(),
            "12.50".into(),
            "true".into(),
            "0.3".into(),
            "25.0".into(),
            "0.30000000000000004".into()
        ]]
    );
    // The same rules in KQL: a float rounds half to even, a decimal half away.
    let mut c = k.server.root_client();
    let r = run(
        &mut c,
        r#"from [{f: 2.5, d: "2.5"::decimal(2, 1)}, {f: -0.5, d: "-0.5"::decimal(2, 1)}]
           | select a = f::int64, b = d::int32"#,
    );
    assert_eq!(
        r.rows(),
        vec![
            vec!["2".to_owned(), "3".to_owned()],
            vec!["0".to_owned(), "-1".to_owned()]
        ]
    );
}

#[test]
fn null_conditions_and_json_literals() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut c = ts.root_client();
    // A null condition picks the else branch.
    let r = run(
        &mut c,
        "from [{a: 1}] | select x = if(null, 1, 2), y = case(null, \"a\", true, \"b\", \"c\")",
    );
    assert_eq!(r.rows(), vec![vec!["2".to_owned(), "b".to_owned()]]);
    // Text that is not JSON does not become json: a literal is refused when bound.
    let e = fails(&mut c, r#"from [{a: 1}] | select j = "{bad"::json"#);
    assert_eq!(e.code(), Some("B010"), "{e}");
    assert!(e.to_string().contains("not JSON"), "{e}");
    let r = run(
        &mut c,
        r#"from [{a: 1}] | select j = "{\"ok\": [1, 2]}"::json"#,
    );
    assert_eq!(r.rows(), vec![vec![r#"{"ok": [1, 2]}"#.to_owned()]]);
    run(
        &mut c,
        "create namespace js;
         create shared table js.t (id int64 key, j json) with (access = public);",
    );
    let e = fails(&mut c, r#"insert into js.t {id: 1, j: "[1, 2"}"#);
    assert_eq!(e.code(), Some("B010"), "{e}");
    run(&mut c, r#"insert into js.t {id: 1, j: "[1, 2]"}"#);
    // Text computed per row is checked when the statement runs.
    let e = fails(&mut c, r#"from [{s: "{bad"}] | select j = s::json"#);
    assert_eq!(e.code(), Some("X004"), "{e}");
}

#[test]
fn integers_and_decimals_mix_without_losing_digits() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut c = ts.root_client();
    run(
        &mut c,
        "create namespace dm;
         create shared table dm.t (id int64 key, age int32, score decimal(10, 2)) with (access = public);
         insert into dm.t {id: 1, age: 2147483647, score: \"1234567.89\"::decimal(10, 2)};
         insert into dm.t {id: 2, age: 12, score: \"12.00\"::decimal(10, 2)};",
    );
    // int32 and decimal(10, 2) meet at decimal(12, 2): no cast of the int to (10, 2).
    let r = run(
        &mut c,
        "from dm.t | sort id | select s = age + score, same = score == age",
    );
    assert_eq!(
        r.rows(),
        vec![
            vec!["2148718214.89".to_owned(), "false".to_owned()],
            vec!["24.00".to_owned(), "true".to_owned()]
        ]
    );
    let r = run(
        &mut c,
        "from dm.t | select v = age | union (from dm.t | select score) | sort v",
    );
    assert_eq!(r.rows().len(), 4);
    // Decimal arithmetic at SQL's result types: a product keeps s1 + s2 digits and
    // does not overflow (10, 2); a quotient has 16 fraction digits.
    let r = run(
        &mut c,
        "from dm.t | sort id | select sq = score * score, third = score / 3, half = score * \"0.5\"::decimal(1, 1)",
    );
    assert_eq!(
        r.rows(),
        vec![
            vec![
                "1524157875019.0521".to_owned(),
                "411522.6300000000000000".to_owned(),
                "617283.945".to_owned()
            ],
            vec![
                "144.0000".to_owned(),
                "4.0000000000000000".to_owned(),
                "6.000".to_owned()
            ]
        ]
    );
}

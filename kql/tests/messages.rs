//! The headline error messages, rendered as a user sees them (inline snapshots).

fn render(src: &str) -> String {
    kql::parse(src).expect_err("must fail").render("query", src)
}

#[test]
fn missing_expression() {
    insta::assert_snapshot!(render("from t | where x =="), @r#"
        [K021] Error: expected an expression after `==`, found end of input
           ╭─[ query:1:20 ]
           │
         1 │ from t | where x ==
           │                    │ 
           │                    ╰─ found end of input
        ───╯
        "#);
}

#[test]
fn assignment_instead_of_comparison() {
    insta::assert_snapshot!(render("from t | where a = 1"), @r#"
        [K020] Error: expected an operator, `|` or `;` after `a`, found `=`
           ╭─[ query:1:18 ]
           │
         1 │ from t | where a = 1
           │                  ┬  
           │                  ╰── found `=`
           │ 
           │ Help: compare with `==`; a single `=` names a column (`extend n = 1`)
        ───╯
        "#);
}

#[test]
fn errors_in_several_stages_and_statements() {
    insta::assert_snapshot!(render("from t | where == 1 | take 5 | sort\n;\nfrom u | select a b"), @r#"
        [K020] Error: expected an expression after `where`, found `==`
           ╭─[ query:1:16 ]
           │
         1 │ from t | where == 1 | take 5 | sort
           │                ─┬  
           │                 ╰── found `==`
        ───╯
        [K020] Error: expected an expression after `sort`, found `;`
           ╭─[ query:2:1 ]
           │
         2 │ ;
           │ ┬  
           │ ╰── found `;`
        ───╯
        [K020] Error: expected an operator, `=`, `,`, `|` or `;` after `a`, found name `b`
           ╭─[ query:3:19 ]
           │
         3 │ from u | select a b
           │                   ┬  
           │                   ╰── found name `b`
        ───╯
        "#);
}

#[test]
fn unknown_stage() {
    insta::assert_snapshot!(render("from t | order by x"), @r#"
        [K020] Error: expected a pipeline stage or a write after `|`, found name `order`
           ╭─[ query:1:10 ]
           │
         1 │ from t | order by x
           │          ──┬──  
           │            ╰──── found name `order`
           │ 
           │ Help: stages are where, select, extend, aggregate, sort, take, skip, distinct, join, union; a pipeline may end in a write: update, delete, insert into, upsert into
        ───╯
        "#);
}

#[test]
fn sql_instead_of_kql() {
    insta::assert_snapshot!(render("SELECT * FROM t"), @r#"
        [K020] Error: expected a statement or `;`, found `select`
           ╭─[ query:1:1 ]
           │
         1 │ SELECT * FROM t
           │ ───┬──  
           │    ╰──── found `select`
           │ 
           │ Help: KQL queries start with `from`: `from t | where … | select …` (`kalavar transpile` translates SQL)
        ───╯
        "#);
}

#[test]
fn impossible_date() {
    insta::assert_snapshot!(render("from t | where d == @2026-02-30"), @r#"
        [K016] Error: invalid date or timestamp `@2026-02-30`: no such day in that month
           ╭─[ query:1:21 ]
           │
         1 │ from t | where d == @2026-02-30
           │                     ─────┬─────  
           │                          ╰─────── here
           │ 
           │ Help: write dates as @YYYY-MM-DD and timestamps as @YYYY-MM-DDThh:mm[:ss[.ffffff]][Z|±hh:mm]
        ───╯
        "#);
}

#[test]
fn reserved_word_as_name() {
    insta::assert_snapshot!(render("from t | select on"), @r#"
        [K020] Error: expected an expression after `select`, found `on`
           ╭─[ query:1:17 ]
           │
         1 │ from t | select on
           │                 ─┬  
           │                  ╰── found `on`
           │ 
           │ Help: `on` is a reserved word; write `on` in backticks (`` `on` ``) to use it as a name
        ───╯
        "#);
}

#[test]
fn unknown_role() {
    insta::assert_snapshot!(render("create user alice role admin"), @r#"
        [K032] Error: unknown role `admin`
           ╭─[ query:1:24 ]
           │
         1 │ create user alice role admin
           │                        ──┬──  
           │                          ╰──── here
           │ 
           │ Help: roles are user, service, dba and root
        ───╯
        "#);
}

#[test]
fn spans_point_at_the_problem() {
    let src = "from t | where a == | take 1";
    let d = kql::parse(src).unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(&src[d.0[0].span.range()], "|");
    assert_eq!(d.0[0].code, kql::codes::UNEXPECTED_TOKEN);
}

//! What the server tells about itself: `explain` and `explain analyze` listings (the
//! latter with calls, rows and time per instruction), the system tables per role,
//! `show …` and `describe`, and maintenance jobs recorded in `system.jobs`.

mod support;

use kalavar_storage::Role;
use support::*;

fn chat(t: &TestDb) {
    let mut root = t.root();
    ok(&mut root, "create namespace chat");
    ok(
        &mut root,
        "create user table chat.messages (id int64 key, room text not null, body text)",
    );
    ok(
        &mut root,
        "create shared table chat.rooms (name text key, topic text) with (access = public)",
    );
}

#[test]
fn explain_lists_the_plan_and_analyze_counts_rows_per_instruction() {
    let t = TestDb::new();
    chat(&t);
    let mut alice = t.session("alice", Role::User);
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 1, room: "a", body: "x"}, {id: 2, room: "a", body: "y"}, {id: 3, room: "b", body: null}"#,
    );
    let query = "from chat.messages | where room == \"a\" | aggregate n = count() by room";

    let plain = ok(&mut alice, &format!("explain {query}"));
    let opcodes = plain.col("opcode");
    assert!(opcodes.contains(&"OpenScan".to_owned()), "{opcodes:?}");
    assert!(opcodes.contains(&"OpenAggregate".to_owned()), "{opcodes:?}");
    assert_eq!(opcodes.last().map(String::as_str), Some("Halt"));
    assert!(
        plain.batches[0].schema().index_of("rows").is_err(),
        "plain explain does not run the statement"
    );

    let analyzed = ok(&mut alice, &format!("explain analyze {query}"));
    assert_eq!(analyzed.col("opcode"), opcodes, "the same listing");
    let rows: Vec<u64> = analyzed
        .col("rows")
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    let calls: Vec<u64> = analyzed
        .col("calls")
        .iter()
        .map(|r| r.parse().unwrap())
        .collect();
    let times = analyzed.col("time_us");
    assert_eq!(times.len(), opcodes.len());
    assert!(times.iter().all(|t| t.parse::<u64>().is_ok()), "{times:?}");
    // The scan's Next reads alice's two rows in room "a"; the aggregate's one
    // group is emitted once.
    let at = |op: &str| opcodes.iter().position(|o| o == op).unwrap();
    let first_next = at("Next");
    assert_eq!(rows[first_next], 2, "{rows:?}");
    assert!(
        calls[first_next] >= 2,
        "a Next runs until exhausted: {calls:?}"
    );
    assert_eq!(rows[at("Emit")], 1, "{rows:?}");
    assert_eq!(calls[at("Halt")], 1);
    // Nothing was returned but the listing, and nothing was written.
    let r = ok(&mut alice, "from chat.messages | aggregate n = count()");
    assert_eq!(r.col("n"), ["3"]);
}

#[test]
fn system_tables_show_each_role_what_is_theirs() {
    let t = TestDb::new();
    chat(&t);
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let mut dba = t.session("ops", Role::Dba);
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 1, room: "a", body: "x"}, {id: 2, room: "a", body: "y"}"#,
    );
    ok(
        &mut bob,
        r#"insert into chat.messages {id: 9, room: "b", body: "z"}"#,
    );

    // Users see themselves; the dba sees everyone.
    assert_eq!(ok(&mut alice, "from system.users").col("name"), ["alice"]);
    let mut all = ok(&mut dba, "from system.users").col("name");
    all.sort();
    assert_eq!(all, ["alice", "bob", "ops", "root"]);

    // Row counts of a user table are the caller's own partition.
    let count = |ex: &mut kalavar_server::exec::Executor| {
        let r = ok(
            ex,
            "from system.tables | where name == \"messages\" | select rows_hot",
        );
        r.col("rows_hot")
    };
    assert_eq!(count(&mut alice), ["2"]);
    assert_eq!(count(&mut bob), ["1"]);
    assert_eq!(count(&mut dba), ["3"]);

    // A user table has no access level; a shared table shows its own.
    let access = ok(
        &mut alice,
        "from system.tables | where namespace == \"chat\" | sort name | select name, access",
    );
    assert_eq!(access.col("name"), ["messages", "rooms"]);
    assert_eq!(access.col("access"), ["null", "public"]);

    let cols = ok(
        &mut alice,
        "from system.columns | where table == \"messages\" | sort ordinal | select name",
    );
    assert_eq!(cols.col("name"), ["id", "room", "body"]);

    // `show` and `describe` go through the same tables.
    let shown = ok(&mut alice, "show tables");
    let mut names = shown.col("name");
    names.sort();
    assert_eq!(names, ["messages", "rooms"]);
    let described = ok(&mut alice, "describe chat.messages");
    assert_eq!(described.col("name"), ["id", "room", "body"]);
    assert_eq!(ok(&mut alice, "show users").col("name"), ["alice"]);

    // Server-wide figures are for administrators.
    let stats = ok(
        &mut dba,
        "from system.stats | where is_null(scope) | select name",
    );
    assert!(stats.col("name").contains(&"statements".to_owned()));
    let mine = ok(&mut alice, "from system.stats | select name, scope");
    assert!(
        !mine.col("name").contains(&"plan_cache_hits".to_owned()),
        "a user sees no server-wide counters: {:?}",
        mine.col("name")
    );
}

#[test]
fn flushes_and_compactions_are_jobs() {
    let t = TestDb::new();
    chat(&t);
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let mut root = t.root();
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 1, room: "a", body: "x"}, {id: 2, room: "a", body: "y"}"#,
    );
    ok(
        &mut bob,
        r#"insert into chat.messages {id: 9, room: "b", body: "z"}"#,
    );
    ok(&mut root, "flush table chat.messages");
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 3, room: "a", body: "w"}"#,
    );
    ok(&mut root, "flush table chat.messages");
    ok(&mut root, "compact table chat.messages");

    let jobs = ok(
        &mut root,
        "from system.jobs | where table == \"messages\" | aggregate n = count(), r = sum(rows) by kind | sort kind",
    );
    assert_eq!(jobs.col("kind"), ["compact", "flush"]);
    // Flushes: alice 2 + bob 1, then alice 1 (bob's partition had nothing hot).
    assert_eq!(jobs.col("r")[1], "4");
    let states = ok(&mut root, "from system.jobs | select state");
    assert!(
        states.col("state").iter().all(|s| s == "done"),
        "{states:?}"
    );

    // Alice sees only the jobs on her partition.
    let hers = ok(
        &mut alice,
        "from system.jobs | where kind == \"flush\" | aggregate r = sum(rows)",
    );
    assert_eq!(hers.col("r"), ["3"]);
    // The rows stay where they were, now cold.
    let r = ok(&mut alice, "from chat.messages | sort id | select id");
    assert_eq!(r.col("id"), ["1", "2", "3"]);
    let cold = ok(
        &mut alice,
        "from system.tables | where name == \"messages\" | select rows_hot, rows_cold",
    );
    assert_eq!(cold.col("rows_hot"), ["0"]);
    assert_eq!(cold.col("rows_cold"), ["3"]);
}

#[test]
fn the_scheduler_flushes_by_the_configured_defaults_and_logs_it() {
    let mut options = engine_options();
    options.flush_defaults.max_hot_rows = 3;
    let t = TestDb::with_options(options, Default::default());
    chat(&t);
    let mut alice = t.session("alice", Role::User);
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 1, room: "a", body: "x"}, {id: 2, room: "a", body: "y"}"#,
    );
    assert_eq!(
        kalavar_server::jobs::scheduler::run_due(&t.db).unwrap(),
        0,
        "2 < 3 rows"
    );
    ok(
        &mut alice,
        r#"insert into chat.messages {id: 3, room: "a", body: "z"}"#,
    );
    assert_eq!(kalavar_server::jobs::scheduler::run_due(&t.db).unwrap(), 1);
    let mut root = t.root();
    let jobs = ok(&mut root, "from system.jobs | select kind, rows");
    assert_eq!(jobs.col("kind"), ["flush"]);
    assert_eq!(jobs.col("rows"), ["3"]);
    let cold = ok(
        &mut alice,
        "from system.tables | where name == \"messages\" | select rows_hot, rows_cold",
    );
    assert_eq!(cold.col("rows_cold"), ["3"]);
    // A table's own flush option wins over the default.
    ok(
        &mut root,
        "create shared table chat.log (id int64 key) with (flush = [rows(100)])",
    );
    ok(
        &mut root,
        "insert into chat.log {id: 1}, {id: 2}, {id: 3}, {id: 4}",
    );
    assert_eq!(kalavar_server::jobs::scheduler::run_due(&t.db).unwrap(), 0);
}

//! Each optimizer rule on its own: bind a statement without optimizing, apply one
//! rule, and compare the plan tree before and after.

use kql_compiler::catalog::Catalog;
use kql_compiler::optimizer::{fold_constants, prune_columns, push_filters, use_keys, use_topk};
use kql_compiler::plan::{BoundStatement, Plan};
use kql_compiler::{CompileOptions, compile};

fn bound(text: &str) -> Plan {
    let catalog = Catalog::from_json(include_str!("corpus/catalog.json")).unwrap();
    let opts = CompileOptions {
        optimize: false,
        ..CompileOptions::new(&catalog)
    };
    match compile(text, opts).unwrap().pop().unwrap().optimized {
        BoundStatement::Query(p) => p,
        other => panic!("not a query: {other:?}"),
    }
}

fn tree(p: &Plan) -> Vec<String> {
    p.tree().lines().map(|l| l.to_owned()).collect()
}

#[test]
fn fold_computes_constants_and_drops_where_true() {
    let p = fold_constants(bound(
        "from kv.settings | where 1 + 2 == 3 | where key == concat(\"a\", \"b\") | select n = 2 * 21",
    ));
    assert_eq!(
        tree(&p),
        [
            "Project n = 42",
            "  Filter key == \"ab\"",
            "    Scan kv.settings [key, value]"
        ],
    );
}

#[test]
fn fold_leaves_errors_and_volatile_calls_to_the_vm() {
    let p = fold_constants(bound(
        "from kv.settings | select a = 1 / 0, b = 9223372036854775807 + 1, c = now()",
    ));
    assert_eq!(
        tree(&p)[0],
        "Project a = 1 / 0, b = 9223372036854775807 + 1, c = now()"
    );
}

#[test]
fn push_moves_filters_into_scans_and_join_sides() {
    let p = push_filters(bound(
        "from chat.messages as m | join chat.conversations as c on m.conversation_id == c.id \
         | where m.role == \"user\" && c.title != \"\" | select m.id",
    ));
    let t = tree(&p);
    assert_eq!(t[0], "Project id");
    assert_eq!(t[1], "  HashJoin inner on conversation_id == id");
    assert!(t[2].ends_with("filter (role == \"user\")"), "{t:?}");
    assert!(t[3].ends_with("filter (title != \"\")"), "{t:?}");
}

#[test]
fn push_stops_at_take_and_outer_join_nullable_side() {
    let p = push_filters(bound("from kv.settings | take 5 | where key == \"x\""));
    assert_eq!(tree(&p)[0], "Filter key == \"x\"");
    let p = push_filters(bound(
        "from chat.conversations as c | join left chat.messages as m on c.id == m.conversation_id | where m.role == \"user\"",
    ));
    assert_eq!(tree(&p)[0], "Filter role == \"user\"");
}

#[test]
fn keys_turn_equality_into_seek_and_bounds_into_ranges() {
    let p = use_keys(push_filters(bound(
        "from chat.messages | where id == 7 && tokens > 3",
    )));
    let t = tree(&p);
    assert_eq!(t[0], "Filter tokens > 3::int32");
    assert!(
        t[1].starts_with("  Seek chat.messages") && t[1].ends_with("key (7)"),
        "{t:?}"
    );
    let p = use_keys(push_filters(bound(
        "from docs.content | where doc_id == \"a\" && version >= 2 && version < 10",
    )));
    let t = tree(&p);
    assert_eq!(t.len(), 1);
    assert!(
        t[0].contains("range (doc_id == \"a\" && version >= 2::int32 && version < 10::int32)"),
        "{t:?}"
    );
    assert!(!t[0].contains("filter"), "{t:?}");
}

#[test]
fn keys_ignore_non_key_and_per_row_values() {
    let p = use_keys(push_filters(bound(
        "from chat.messages | where id == snowflake()",
    )));
    assert!(tree(&p)[0].starts_with("Scan chat.messages") && tree(&p)[0].contains("filter"));
}

#[test]
fn topk_replaces_sort_then_take() {
    let p = use_topk(bound(
        "from chat.messages | sort created_at desc | skip 10 | take 5",
    ));
    assert_eq!(tree(&p)[0], "TopK 5 by created_at desc skip 10");
    let p = use_topk(bound("from chat.messages | sort id | select id | take 3"));
    let t = tree(&p);
    assert_eq!(t[0], "Project id");
    assert_eq!(t[1], "  TopK 3 by id");
}

#[test]
fn prune_reads_only_used_columns() {
    let p = prune_columns(bound(
        "from chat.messages | where role == \"user\" | select content",
    ));
    let t = tree(&p);
    assert_eq!(t[2], "    Scan chat.messages [role, content]");
    let p = prune_columns(bound("from chat.messages | aggregate count()"));
    assert_eq!(tree(&p)[1], "  Scan chat.messages [id]");
}

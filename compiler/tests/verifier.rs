//! One test per verifier rule: a plan the compiler emits, broken by hand in exactly
//! the way the rule forbids, must be refused with that rule's code and the address of
//! the instruction to blame. The unbroken plan must pass, so each test can fail.

use kql_compiler::bytecode::{
    Addr, Col, Cur, ExprId, Flags, Insn, Limits, Node, ParamDecl, Program, Reg, TableRef,
    VerifyCode, VerifyContext, verify, verify_bytes,
};
use kql_compiler::catalog::Catalog;
use kql_compiler::codec::DecodeErrorCode;
use kql_compiler::identity::{Caller, Role};
use kql_compiler::types::DataType;
use kql_compiler::{CompileOptions, compile};

fn catalog() -> Catalog {
    Catalog::from_json(include_str!("corpus/catalog.json")).unwrap()
}

fn plan(text: &str) -> Program {
    let c = catalog();
    compile(text, CompileOptions::new(&c))
        .unwrap()
        .pop()
        .unwrap()
        .program
}

fn root() -> Caller {
    Caller::new("root", Role::Root)
}

/// Verifies as the server does for `caller`; the code and address of the refusal.
fn refuse(p: Program, caller: &Caller) -> (VerifyCode, Option<usize>) {
    let c = catalog();
    match verify(p, &VerifyContext::server(&c, caller)) {
        Ok(_) => panic!("the broken plan was accepted"),
        Err(e) => {
            assert!(!e.message.is_empty());
            (e.code, e.at)
        }
    }
}

fn accepts(p: &Program, caller: &Caller) {
    let c = catalog();
    if let Err(e) = verify(p.clone(), &VerifyContext::server(&c, caller)) {
        panic!("the unbroken plan was refused: {e}");
    }
}

const SCAN: &str = "from chat.messages | where conversation_id == 1 | select id, content";

fn position(p: &Program, f: impl Fn(&Insn) -> bool) -> usize {
    p.insns.iter().position(f).expect("instruction present")
}

#[test]
fn v001_resource_limit() {
    let p = plan(SCAN);
    accepts(&p, &root());
    let c = catalog();
    let caller = root();
    let mut ctx = VerifyContext::server(&c, &caller);
    ctx.limits = Limits {
        max_insns: 3,
        ..Limits::default()
    };
    let e = verify(p, &ctx).unwrap_err();
    assert_eq!(e.code, VerifyCode::ResourceLimit);
}

#[test]
fn v002_register_out_of_range() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Project { .. }));
    if let Insn::Project { src, .. } = &mut p.insns[at] {
        *src = Reg(999);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadIndex, Some(at)));
}

#[test]
fn v002_expression_out_of_range() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Project { .. }));
    if let Insn::Project { exprs, .. } = &mut p.insns[at] {
        exprs[0] = ExprId(4000);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadIndex, Some(at)));
}

#[test]
fn v003_jump_outside_program() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Goto { .. }));
    p.insns[at] = Insn::Goto {
        target: Addr(10_000),
    };
    assert_eq!(refuse(p, &root()), (VerifyCode::BadJump, Some(at)));
}

#[test]
fn v004_backward_jump_not_to_next() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Goto { .. }));
    p.insns[at] = Insn::Goto { target: Addr(0) };
    assert_eq!(refuse(p, &root()), (VerifyCode::UnboundedLoop, Some(at)));
}

#[test]
fn v004_done_target_backwards() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Next { .. }));
    if let Insn::Next { done, .. } = &mut p.insns[at] {
        *done = Addr(at as u32);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::UnboundedLoop, Some(at)));
}

#[test]
fn v004_retrying_an_exhausted_cursor_is_refused() {
    // Next's done target jumps back to the Next through a Goto: an endless loop on an
    // exhausted cursor. The Goto lands on a Next, so only the state rule catches it.
    let mut p = plan(SCAN);
    let next = position(&p, |i| matches!(i, Insn::Next { .. }));
    let halt = p.insns.len() - 1;
    p.insns.insert(
        halt,
        Insn::Goto {
            target: Addr(next as u32),
        },
    );
    let e = verify(p, &VerifyContext::offline(&catalog())).unwrap_err();
    assert_eq!(e.code, VerifyCode::CursorState);
    assert_eq!(e.at, Some(next));
}

#[test]
fn v005_falls_off_the_end() {
    let mut p = plan(SCAN);
    p.insns.pop();
    let last = p.insns.len() - 1;
    p.insns.push(Insn::Emit { src: Reg(0) });
    assert_eq!(refuse(p, &root()).0, VerifyCode::FallsOffEnd);
    let _ = last;
}

#[test]
fn v005_empty_program() {
    let mut p = plan(SCAN);
    p.insns.clear();
    assert_eq!(refuse(p, &root()).0, VerifyCode::FallsOffEnd);
}

#[test]
fn v006_register_read_before_written() {
    let mut p = plan(SCAN);
    // Emit the projection's output before the loop ever writes it.
    let emit = position(&p, |i| matches!(i, Insn::Emit { .. }));
    let Insn::Emit { src } = p.insns[emit].clone() else {
        unreachable!()
    };
    let halt = p.insns.len() - 1;
    p.insns.insert(halt, Insn::Emit { src });
    assert_eq!(refuse(p, &root()), (VerifyCode::Unassigned, Some(halt)));
}

#[test]
fn v007_cursor_never_opened() {
    let mut p = plan(SCAN);
    p.insns[0] = Insn::Goto { target: Addr(1) };
    assert_eq!(refuse(p, &root()).0, VerifyCode::CursorState);
}

#[test]
fn v007_feed_after_seal() {
    let mut p = plan("from chat.messages | sort id");
    accepts(&p, &root());
    let seal = position(&p, |i| matches!(i, Insn::Seal { .. }));
    let Insn::Seal { cursor } = p.insns[seal].clone() else {
        unreachable!()
    };
    let emit = position(&p, |i| matches!(i, Insn::Emit { .. }));
    let Insn::Emit { src } = p.insns[emit].clone() else {
        unreachable!()
    };
    p.insns.insert(emit + 1, Insn::Feed { cursor, src });
    assert_eq!(
        refuse(p, &root()),
        (VerifyCode::CursorState, Some(emit + 1))
    );
}

#[test]
fn v007_next_before_seal() {
    let mut p = plan("from chat.messages | sort id");
    let seal = position(&p, |i| matches!(i, Insn::Seal { .. }));
    let Insn::Seal { cursor } = p.insns[seal].clone() else {
        unreachable!()
    };
    // Turn the Seal into a no-op jump: the sorter is read while still filling.
    p.insns[seal] = Insn::Goto {
        target: Addr(seal as u32 + 1),
    };
    let next = p
        .insns
        .iter()
        .rposition(|i| matches!(i, Insn::Next { cursor: c, .. } if *c == cursor))
        .unwrap();
    assert_eq!(refuse(p, &root()), (VerifyCode::CursorState, Some(next)));
}

#[test]
fn v007_cursor_opened_twice() {
    let mut p = plan(SCAN);
    let open = p.insns[0].clone();
    p.insns.insert(1, open);
    // Shift jump targets past the insertion.
    for i in p.insns.iter_mut() {
        match i {
            Insn::Goto { target } | Insn::Next { done: target, .. } => target.0 += 1,
            _ => {}
        }
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::CursorState, Some(1)));
}

#[test]
fn v008_feed_into_a_scan() {
    let mut p = plan(SCAN);
    let emit = position(&p, |i| matches!(i, Insn::Emit { .. }));
    let Insn::Emit { src } = p.insns[emit].clone() else {
        unreachable!()
    };
    p.insns[emit] = Insn::Feed {
        cursor: Cur(0),
        src,
    };
    assert_eq!(refuse(p, &root()), (VerifyCode::OperandKind, Some(emit)));
}

#[test]
fn v009_output_does_not_match_register_schema() {
    let mut p = plan(SCAN);
    let at = position(&p, |i| matches!(i, Insn::Project { .. }));
    if let Insn::Project { exprs, .. } = &mut p.insns[at] {
        exprs.pop();
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::SchemaMismatch, Some(at)));
}

#[test]
fn v010_filter_that_is_not_bool() {
    let mut p = plan(SCAN);
    let at = 0;
    let Insn::OpenScan {
        filter: Some(f), ..
    } = p.insns[at].clone()
    else {
        panic!("scan with filter")
    };
    p.exprs[f.index()].nodes = vec![Node::Column { index: 0 }];
    assert_eq!(refuse(p, &root()), (VerifyCode::BadExpression, Some(at)));
}

#[test]
fn v010_node_refers_forward() {
    let mut p = plan(SCAN);
    let Insn::OpenScan {
        filter: Some(f), ..
    } = p.insns[0].clone()
    else {
        panic!("scan with filter")
    };
    let nodes = &mut p.exprs[f.index()].nodes;
    let last = nodes.len() as u16 - 1;
    nodes[last as usize] = kql_compiler::bytecode::Node::Unary {
        op: kql_compiler::bytecode::UnaryOp::Not,
        arg: last,
    };
    assert_eq!(refuse(p, &root()), (VerifyCode::BadExpression, Some(0)));
}

#[test]
fn v010_constant_reads_a_column() {
    let mut p = plan("from chat.messages | where id == 7");
    let at = position(&p, |i| matches!(i, Insn::SeekKey { .. }));
    let Insn::SeekKey { key, .. } = p.insns[at].clone() else {
        unreachable!()
    };
    p.exprs[key[0].index()].nodes = vec![Node::Column { index: 0 }];
    assert_eq!(refuse(p, &root()), (VerifyCode::BadExpression, Some(at)));
}

#[test]
fn v011_write_in_read_only_plan() {
    let mut p = plan("from chat.messages | where id == 1 | delete");
    accepts(&p, &root());
    assert!(!p.flags.read_only());
    p.flags = Flags(Flags::READ_ONLY);
    let at = position(&p, |i| matches!(i, Insn::Delete { .. }));
    assert_eq!(
        refuse(p, &root()),
        (VerifyCode::ReadOnlyViolation, Some(at))
    );
}

#[test]
fn v012_unknown_table() {
    let mut p = plan(SCAN);
    p.tables[0].id = 999;
    assert_eq!(refuse(p, &root()).0, VerifyCode::UnknownTable);
}

#[test]
fn v013_stale_schema_version() {
    let mut p = plan(SCAN);
    p.tables[0].schema_version -= 1;
    assert_eq!(refuse(p, &root()).0, VerifyCode::StaleSchema);
}

#[test]
fn v014_unknown_column() {
    let mut p = plan(SCAN);
    if let Insn::OpenScan { columns, .. } = &mut p.insns[0] {
        columns[0] = Col(77);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::UnknownColumn, Some(0)));
}

#[test]
fn v015_table_the_caller_may_not_read() {
    let p = plan("from staging.rows");
    accepts(&p, &Caller::new("svc", Role::Service));
    assert_eq!(
        refuse(p, &Caller::new("alice", Role::User)),
        (VerifyCode::TableDenied, Some(0))
    );
}

#[test]
fn v015_table_the_caller_may_not_write() {
    let p = plan("upsert into docs.content {doc_id: \"a\", version: 1, body: \"b\"}");
    accepts(&p, &Caller::new("svc", Role::Service));
    assert_eq!(
        refuse(p, &Caller::new("alice", Role::User)).0,
        VerifyCode::TableDenied
    );
}

#[test]
fn v016_statement_needs_a_role() {
    let p = plan("create namespace metrics");
    accepts(&p, &Caller::new("ops", Role::Dba));
    assert_eq!(
        refuse(p, &Caller::new("alice", Role::User)),
        (VerifyCode::StatementDenied, Some(0))
    );
}

#[test]
fn v017_forged_execute_as() {
    let p = plan("execute as alice { from chat.messages }");
    accepts(&p, &Caller::new("svc", Role::Service));
    accepts(&p, &Caller::new("alice", Role::User));
    assert_eq!(
        refuse(p, &Caller::new("bob", Role::User)).0,
        VerifyCode::ActAsDenied
    );
}

#[test]
fn v017_execute_as_with_ddl() {
    let mut p = plan("execute as alice { from chat.messages }");
    p.flags = Flags(0);
    let halt = p.insns.len() - 1;
    p.insns.insert(
        halt,
        Insn::CreateNamespace {
            name: "x".into(),
            if_not_exists: false,
        },
    );
    assert_eq!(refuse(p, &root()), (VerifyCode::ActAsDenied, Some(halt)));
}

#[test]
fn v018_insert_missing_a_column() {
    let mut p = plan("insert into kv.settings {key: \"a\", value: \"b\"}");
    accepts(&p, &root());
    let at = position(&p, |i| matches!(i, Insn::Insert { .. }));
    if let Insn::Insert { columns, .. } = &mut p.insns[at] {
        columns.pop();
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadWrite, Some(at)));
}

#[test]
fn v018_write_to_system_table() {
    let mut p = plan("from chat.messages | where created_at < ago(1d) | delete");
    accepts(&p, &root());
    let system = catalog().get_table("system", "users").unwrap().clone();
    p.tables.push(kql_compiler::bytecode::TableUse {
        id: system.id,
        schema_version: system.schema_version,
        name: "system.users".into(),
    });
    let del = position(&p, |i| matches!(i, Insn::Delete { .. }));
    if let Insn::Delete { table, .. } = &mut p.insns[del] {
        *table = TableRef(1);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadWrite, Some(del)));
}

#[test]
fn v018_update_of_a_key_column() {
    let mut p = plan("from kv.settings | where value == \"x\" | update value = \"y\"");
    accepts(&p, &root());
    let at = position(&p, |i| matches!(i, Insn::Update { .. }));
    if let Insn::Update { set, .. } = &mut p.insns[at] {
        set[0] = Col(1);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadWrite, Some(at)));
}

#[test]
fn v019_transaction_with_other_work() {
    let mut p = plan("begin");
    accepts(&p, &root());
    p.insns
        .insert(1, Insn::RevokeCertificates { user: "x".into() });
    assert_eq!(refuse(p, &root()).0, VerifyCode::TransactionMix);
}

#[test]
fn v020_parameter_of_type_null() {
    let mut p = plan("from chat.messages | where id == $id");
    accepts(&p, &root());
    p.params[0] = ParamDecl {
        name: "id".into(),
        ty: DataType::Null,
    };
    assert_eq!(refuse(p, &root()).0, VerifyCode::BadHeader);
}

#[test]
fn every_rule_has_a_code_and_text() {
    let mut codes: Vec<&str> = VerifyCode::ALL.iter().map(|c| c.code()).collect();
    assert!(VerifyCode::ALL.iter().all(|c| !c.rule().is_empty()));
    codes.dedup();
    assert_eq!(codes.len(), VerifyCode::ALL.len());
}

#[test]
fn decoding_rejects_unknown_opcodes_and_flags() {
    let p = plan(SCAN);
    let mut bytes = p.encode();
    // Flags are the varint after magic and the two versions.
    bytes[8] = 0x40;
    let e = verify_bytes(&bytes, &VerifyContext::offline(&catalog())).unwrap_err();
    assert_eq!(e.code(), "C005");
    let mut bytes = p.encode();
    bytes[0] = b'X';
    assert_eq!(
        verify_bytes(&bytes, &VerifyContext::offline(&catalog()))
            .unwrap_err()
            .code(),
        "C002"
    );
    let mut bytes = p.encode();
    bytes.push(0);
    assert_eq!(
        verify_bytes(&bytes, &VerifyContext::offline(&catalog()))
            .unwrap_err()
            .code(),
        "C011"
    );
    // Replace the final Halt (the last byte) with an opcode that does not exist.
    let mut bytes = p.encode();
    let last = bytes.len() - 1;
    assert_eq!(bytes[last], 0x00);
    bytes[last] = 0xEE;
    match Program::decode(&bytes) {
        Err(e) => assert_eq!(e.code, DecodeErrorCode::UnknownOpcode),
        Ok(_) => panic!("unknown opcode decoded"),
    }
}

#[test]
fn table_refs_out_of_range() {
    let mut p = plan(SCAN);
    if let Insn::OpenScan { table, .. } = &mut p.insns[0] {
        *table = TableRef(9);
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadIndex, Some(0)));
}

#[test]
fn v018_alter_user_that_changes_nothing() {
    let mut p = plan("alter user alice enable");
    accepts(&p, &root());
    let at = position(&p, |i| matches!(i, Insn::AlterUser { .. }));
    if let Insn::AlterUser { enabled, .. } = &mut p.insns[at] {
        *enabled = None;
    }
    assert_eq!(refuse(p, &root()), (VerifyCode::BadWrite, Some(at)));
}

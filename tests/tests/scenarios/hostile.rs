//! Bad input: statements that do not type-check, unknown tables, oversized
//! literals, and hand-made plans sent straight to the server past the client's
//! compiler (the server must not trust them). Each is refused with a clear error,
//! and the session and the server stay usable.

use kalavar::client::{Client, ClientError};
use kalavar_protocol::Role;
use kql_compiler::bytecode::{Addr, Flags, Insn, Program, Reg};
use kql_compiler::catalog::Catalog;
use kql_compiler::{CompileOptions, compile};

use super::common::{World, fails, run, still_usable};

fn setup() -> World {
    let mut w = World::new();
    run(
        &mut w.root,
        "create namespace chat;
         create user table chat.messages (id int64 key, content text not null);
         create namespace docs;
         create shared table docs.secrets (slug text key, body text) with (access = private);
         insert into docs.secrets {slug: \"s1\", body: \"hunter2\"};",
    );
    w
}

/// Compiles `text` against `client`'s catalog with no permission checks, as a
/// hostile client could (with root's catalog, a plan can name tables a user's
/// catalog does not even show).
fn unchecked_plan(client: &mut Client, text: &str) -> Program {
    let catalog: std::sync::Arc<Catalog> = client.catalog().unwrap();
    let mut compiled = compile(text, CompileOptions::new(&catalog)).expect("compiles");
    compiled.pop().expect("one statement").program
}

/// Sends a plan; it must be refused with a code of one of `layers` (`V`, `A`, …)
/// and a message, and the session must carry on.
#[track_caller]
fn refused(client: &mut Client, plan: &[u8], layers: &str) -> ClientError {
    let e = client
        .execute_plan(plan, vec![])
        .expect_err("the server must refuse the plan");
    let code = e.code().unwrap_or_else(|| panic!("no code in {e}"));
    assert!(
        layers.contains(&code[..1]),
        "expected a {layers} code, got {e}"
    );
    if let ClientError::Server { message, .. } = &e {
        assert!(!message.is_empty());
    }
    still_usable(client);
    e
}

#[test]
fn bad_statements_get_clear_errors() {
    let w = setup();
    let mut alice = w.connect("alice", Role::User);
    let e = fails(&mut alice, "from chat.messages | where content == 1");
    assert!(e.code().is_some_and(|c| c.starts_with('B')), "{e}");
    let e = fails(&mut alice, "from chat.mesages");
    let shown = e.to_string();
    assert!(shown.contains("mesages"), "{shown}");
    assert!(shown.contains("messages"), "a did-you-mean hint: {shown}");
    let e = fails(
        &mut alice,
        "from chat.messages | where id == 99999999999999999999",
    );
    assert!(e.code().is_some_and(|c| c.starts_with('K')), "{e}");
    let huge = format!(
        "insert into chat.messages {{id: 1, content: \"{}\"}}",
        "x".repeat(9 << 20)
    );
    let e = fails(&mut alice, &huge);
    assert!(e.code().is_some_and(|c| c.starts_with('K')), "{e}");
    // Run-time failures read as what went wrong, not as the kernel's own text.
    let e = fails(
        &mut alice,
        "from [{a: 9223372036854775807}] | extend b = a + 1",
    );
    assert_eq!(e.code(), Some("X002"), "{e}");
    assert!(
        e.to_string()
            .contains("arithmetic overflow: 9223372036854775807 + 1 is out of range for its type"),
        "{e}"
    );
    let e = fails(&mut alice, "from [{s: \"x\"}] | where matches(s, \"(\")");
    let shown = e.to_string();
    assert!(
        shown.contains("invalid regular expression: unclosed group") && !shown.contains('\n'),
        "{shown}"
    );
    still_usable(&mut alice);
}

#[test]
fn hostile_plans_are_refused_and_the_session_goes_on() {
    let w = setup();
    let mut bob = w.connect("bob", Role::User);
    let read = unchecked_plan(&mut bob, "from chat.messages | select id, content");

    // Garbage that is not a plan at all.
    refused(&mut bob, b"KQLP\x01\x00garbage", "C");

    // An out-of-range register.
    let mut p = read.clone();
    for insn in &mut p.insns {
        if let Insn::Emit { src } = insn {
            *src = Reg(999);
        }
    }
    refused(&mut bob, &p.encode(), "CV");

    // A jump outside the program.
    let mut p = read.clone();
    let at = p.insns.len() - 1;
    p.insns.insert(
        at,
        Insn::Goto {
            target: Addr(1_000_000),
        },
    );
    refused(&mut bob, &p.encode(), "CV");

    // A write inside a plan flagged read-only.
    let mut p = unchecked_plan(
        &mut bob,
        "insert into chat.messages {id: 1, content: \"sneaky\"}",
    );
    p.flags = Flags(p.flags.0 | Flags::READ_ONLY);
    refused(&mut bob, &p.encode(), "V");

    // A forged `execute as` from a plain user.
    let mut p = unchecked_plan(
        &mut bob,
        "insert into chat.messages {id: 2, content: \"as alice\"}",
    );
    p.act_as = Some("alice".into());
    refused(&mut bob, &p.encode(), "VA");

    // A table the caller may not read (bob's catalog does not show it; root's does).
    let mut root = w.ts.root_client();
    let p = unchecked_plan(&mut root, "from docs.secrets | select body");
    let e = refused(&mut bob, &p.encode(), "VA");
    assert!(!e.to_string().contains("hunter2"), "{e}");
    let e = fails(&mut bob, "from docs.secrets");
    assert!(e.code().is_some_and(|c| c.starts_with('B')), "{e}");

    // Nothing got through: alice has no rows, the secret is unchanged.
    let mut alice = w.connect("alice", Role::User);
    assert_eq!(
        run(&mut alice, "from chat.messages | aggregate n = count()").rows(),
        vec![vec!["0".to_owned()]]
    );
    // The server is still there for everybody.
    let mut fresh = w.ts.root_client();
    still_usable(&mut fresh);
}

//! Hostile plans: random bytes, byte-level mutations and instruction-level mutations
//! of valid plans go through decode and verify. Nothing may panic, and every plan the
//! verifier accepts must run safely in a model of the VM: every register read was
//! written, every cursor is used in a state its opcode allows, every index is in
//! range, a read-only plan holds no write, and execution ends within a step bound.
//!
//! `KALAVAR_FUZZ_CASES` sets the number of cases (default 120,000, split across the
//! three kinds); the generator is a fixed-seed xorshift, so failures reproduce.

use kql_compiler::bytecode::{
    Addr, CursorKind, Insn, Program, Reg, VerifyContext, verify, verify_bytes,
};
use kql_compiler::catalog::Catalog;
use kql_compiler::identity::{Caller, Role};
use kql_compiler::{CompileOptions, compile};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn corpus_plans(catalog: &Catalog) -> Vec<Program> {
    let text = include_str!("corpus/statements.kql");
    let mut out = Vec::new();
    let mut chunk = String::new();
    for line in text.lines().chain(std::iter::once("#> end")) {
        if line.starts_with("#> ") {
            if !chunk.trim().is_empty() {
                let compiled =
                    compile(&chunk, CompileOptions::new(catalog)).expect("corpus compiles");
                out.extend(compiled.into_iter().map(|c| c.program));
            }
            chunk.clear();
        } else {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    out
}

/// Runs an accepted plan in a model of the VM: cursors yield two batches, limits
/// run out on their second batch. Panics when the plan does something the verifier
/// promised it would not.
fn model_run(p: &Program) {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Unopened,
        Filling,
        Readable(u8),
        Exhausted,
    }
    let mut regs = vec![false; p.registers.len()];
    let mut curs = vec![St::Unopened; p.cursors.len()];
    let read = |regs: &Vec<bool>, r: Reg| {
        assert!(
            regs.get(r.index()).copied().unwrap_or(false),
            "reads unwritten {r}"
        )
    };
    let mut pc = 0usize;
    let mut steps = 0usize;
    loop {
        steps += 1;
        assert!(steps < 100_000, "did not end");
        let insn = p
            .insns
            .get(pc)
            .unwrap_or_else(|| panic!("pc {pc} outside the program"));
        if p.flags.read_only() {
            assert!(
                insn.opcode().class().allowed_read_only(),
                "write in a read-only plan"
            );
        }
        let mut next = pc + 1;
        match insn {
            Insn::Halt {} => return,
            Insn::Goto { target } => next = target.index(),
            Insn::Next { cursor, dest, done } => {
                let kind = p.cursors[cursor.index()].kind;
                assert!(kind != CursorKind::Limit && kind != CursorKind::Distinct);
                match curs[cursor.index()] {
                    St::Readable(n) if n < 2 => {
                        curs[cursor.index()] = St::Readable(n + 1);
                        regs[dest.index()] = true;
                    }
                    St::Readable(_) => {
                        curs[cursor.index()] = St::Exhausted;
                        next = done.index();
                    }
                    _ => panic!("Next on a cursor that is not readable"),
                }
            }
            Insn::OpenScan { cursor, .. }
            | Insn::OpenSubscription { cursor, .. }
            | Insn::OpenLimit { cursor, .. }
            | Insn::OpenDistinct { cursor } => {
                assert!(curs[cursor.index()] == St::Unopened, "opened twice");
                curs[cursor.index()] = St::Readable(0);
            }
            Insn::OpenSort { cursor, .. }
            | Insn::OpenTopK { cursor, .. }
            | Insn::OpenAggregate { cursor, .. }
            | Insn::OpenHashJoin { cursor, .. } => {
                assert!(curs[cursor.index()] == St::Unopened, "opened twice");
                curs[cursor.index()] = St::Filling;
            }
            Insn::Feed { cursor, src } => {
                read(&regs, *src);
                assert!(
                    curs[cursor.index()] == St::Filling,
                    "feed of a cursor not filling"
                );
            }
            Insn::Seal { cursor } => {
                assert!(
                    curs[cursor.index()] == St::Filling,
                    "seal of a cursor not filling"
                );
                curs[cursor.index()] = St::Readable(0);
            }
            Insn::Limit {
                cursor,
                src,
                dest,
                done,
            } => {
                read(&regs, *src);
                match curs[cursor.index()] {
                    St::Readable(0) => {
                        curs[cursor.index()] = St::Readable(1);
                        regs[dest.index()] = true;
                    }
                    St::Readable(_) => next = done.index(),
                    _ => panic!("limit cursor not open"),
                }
            }
            Insn::Distinct { cursor, src, dest }
            | Insn::Probe {
                cursor, src, dest, ..
            } => {
                read(&regs, *src);
                assert!(
                    matches!(curs[cursor.index()], St::Readable(_)),
                    "cursor not readable"
                );
                regs[dest.index()] = true;
            }
            Insn::Filter { src, dest, .. } | Insn::Project { src, dest, .. } => {
                read(&regs, *src);
                regs[dest.index()] = true;
            }
            Insn::SeekKey { dest, .. }
            | Insn::Values { dest, .. }
            | Insn::IssueCertificate { dest, .. } => regs[dest.index()] = true,
            Insn::Emit { src }
            | Insn::Insert { src, .. }
            | Insn::Upsert { src, .. }
            | Insn::Update { src, .. }
            | Insn::Delete { src, .. } => read(&regs, *src),
            _ => {}
        }
        pc = next;
    }
}

fn check(bytes: &[u8], catalog: &Catalog, caller: &Caller, accepted: &mut usize) {
    if let Ok(v) = verify_bytes(bytes, &VerifyContext::server(catalog, caller)) {
        *accepted += 1;
        model_run(&v);
    }
}

fn mutate_program(p: &mut Program, rng: &mut Rng) {
    let n = p.insns.len();
    match rng.below(7) {
        0 if n > 1 => {
            let (a, b) = (rng.below(n), rng.below(n));
            p.insns.swap(a, b);
        }
        1 if n > 0 => {
            let i = rng.below(n);
            let insn = p.insns[i].clone();
            p.insns.insert(rng.below(n + 1), insn);
        }
        2 if n > 0 => {
            p.insns.remove(rng.below(n));
        }
        3 => {
            let target = Addr(rng.below(n + 2) as u32);
            if let Some(
                Insn::Goto { target: t } | Insn::Next { done: t, .. } | Insn::Limit { done: t, .. },
            ) = p.insns.get_mut(rng.below(n.max(1)))
            {
                *t = target;
            }
        }
        4 => {
            let r = Reg(rng.below(p.registers.len() + 1) as u16);
            if let Some(insn) = p.insns.get_mut(rng.below(n.max(1))) {
                match insn {
                    Insn::Filter { src, .. }
                    | Insn::Project { src, .. }
                    | Insn::Emit { src }
                    | Insn::Feed { src, .. } => *src = r,
                    Insn::Next { dest, .. }
                    | Insn::SeekKey { dest, .. }
                    | Insn::Values { dest, .. } => *dest = r,
                    _ => {}
                }
            }
        }
        5 => p.flags.0 ^= 1 << rng.below(3),
        _ => {
            if !p.exprs.is_empty() {
                let e = rng.below(p.exprs.len());
                let nodes = &mut p.exprs[e].nodes;
                if !nodes.is_empty() {
                    let i = rng.below(nodes.len());
                    let j = rng.below(nodes.len());
                    nodes.swap(i, j);
                }
            }
        }
    }
}

#[test]
fn hostile_plans_never_panic_and_accepted_ones_run_safely() {
    let catalog = Catalog::from_json(include_str!("corpus/catalog.json")).unwrap();
    let plans = corpus_plans(&catalog);
    assert!(plans.len() > 40);
    let root = Caller::new("root", Role::Root);
    let user = Caller::new("alice", Role::User);
    let total: usize = std::env::var("KALAVAR_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut accepted = 0usize;
    // The unmutated corpus is accepted and runs.
    for p in &plans {
        check(&p.encode(), &catalog, &root, &mut accepted);
    }
    assert_eq!(accepted, plans.len(), "every corpus plan verifies for root");
    for case in 0..total {
        let caller = if case % 2 == 0 { &root } else { &user };
        match case % 3 {
            0 => {
                let len = rng.below(96);
                let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                if rng.below(2) == 0 && bytes.len() >= 8 {
                    bytes[..8].copy_from_slice(b"KQLP\x01\x00\x01\x00");
                }
                check(&bytes, &catalog, caller, &mut accepted);
            }
            1 => {
                let mut bytes = plans[rng.below(plans.len())].encode();
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(bytes.len());
                    match rng.below(4) {
                        0 => bytes[i] = rng.next() as u8,
                        1 => bytes[i] ^= 1 << rng.below(8),
                        2 => bytes.truncate(i),
                        _ => bytes.insert(i, rng.next() as u8),
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
                check(&bytes, &catalog, caller, &mut accepted);
            }
            _ => {
                let mut p = plans[rng.below(plans.len())].clone();
                for _ in 0..1 + rng.below(3) {
                    mutate_program(&mut p, &mut rng);
                }
                if let Ok(v) = verify(p, &VerifyContext::server(&catalog, caller)) {
                    accepted += 1;
                    model_run(&v);
                }
            }
        }
    }
    eprintln!("{total} hostile cases, {accepted} plans accepted and run in the model");
    // Mutations must not all be rejected trivially: some near-misses get through.
    assert!(
        accepted > plans.len(),
        "no mutated plan was ever accepted; the fuzzer is not reaching the verifier"
    );
}

//! The plan's control-flow graph in Graphviz DOT: one node per instruction, solid
//! edges for fall-through, dashed for jumps (`done`, loops).

use crate::bytecode::{Insn, Program};

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The control-flow graph as a `digraph`.
pub fn to_dot(p: &Program) -> String {
    let mut out = String::from("digraph plan {\n  node [shape=box, fontname=\"monospace\"];\n");
    for (at, insn) in p.insns.iter().enumerate() {
        let label = format!(
            "{at}: {}\\l{}\\l",
            insn.opcode().name(),
            escape(&super::comment(p, at))
        );
        out.push_str(&format!("  i{at} [label=\"{label}\"];\n"));
    }
    for (at, insn) in p.insns.iter().enumerate() {
        let falls = !matches!(insn, Insn::Halt {} | Insn::Goto { .. });
        if falls && at + 1 < p.insns.len() {
            out.push_str(&format!("  i{at} -> i{};\n", at + 1));
        }
        let jump = match insn {
            Insn::Goto { target } => Some((
                target.index(),
                if target.index() <= at { "loop" } else { "" },
            )),
            Insn::Next { done, .. } | Insn::Limit { done, .. } => Some((done.index(), "done")),
            _ => None,
        };
        if let Some((to, label)) = jump {
            out.push_str(&format!(
                "  i{at} -> i{to} [style=dashed, label=\"{label}\"];\n"
            ));
        }
    }
    out.push_str("}\n");
    out
}

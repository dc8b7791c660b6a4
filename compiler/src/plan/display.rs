//! The plan tree as indented text (`kalavar explain`'s first half).

use super::{BoundStatement, Command, Plan, Scalar, ScanRange, SortSpec};

fn names(p: &Plan) -> Vec<String> {
    p.names()
}

fn sort_keys(keys: &[SortSpec], cols: &[String]) -> String {
    keys.iter()
        .map(|k| {
            format!(
                "{}{}{}",
                k.expr.render(cols),
                if k.descending { " desc" } else { "" },
                if k.nulls_first { " nulls first" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn range_text(r: &ScanRange, key_names: &[String]) -> String {
    let mut parts = Vec::new();
    for (i, e) in r.eq.iter().enumerate() {
        parts.push(format!(
            "{} == {}",
            key_names.get(i).cloned().unwrap_or_default(),
            e.render(&[])
        ));
    }
    let next = key_names.get(r.eq.len()).cloned().unwrap_or_default();
    if let Some((e, inc)) = &r.lower {
        parts.push(format!(
            "{next} {} {}",
            if *inc { ">=" } else { ">" },
            e.render(&[])
        ));
    }
    if let Some((e, inc)) = &r.upper {
        parts.push(format!(
            "{next} {} {}",
            if *inc { "<=" } else { "<" },
            e.render(&[])
        ));
    }
    parts.join(" && ")
}

fn exprs(es: &[Scalar], cols: &[String]) -> String {
    es.iter()
        .map(|e| e.render(cols))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Plan {
    /// One line for this node.
    pub fn describe(&self) -> String {
        match self {
            Plan::Scan {
                table,
                schema,
                filter,
                range,
                key_names,
                ..
            } => {
                let cols: Vec<String> = schema.iter().map(|f| f.name.to_string()).collect();
                let mut s = format!("Scan {} [{}]", table.name, cols.join(", "));
                if let Some(range) = range.as_deref().filter(|r| !r.is_full()) {
                    s.push_str(&format!(" range ({})", range_text(range, key_names)));
                }
                if let Some(f) = filter {
                    s.push_str(&format!(" filter ({})", f.render(&cols)));
                }
                s
            }
            Plan::Seek {
                table, schema, key, ..
            } => {
                let cols: Vec<String> = schema.iter().map(|f| f.name.to_string()).collect();
                format!(
                    "Seek {} [{}] key ({})",
                    table.name,
                    cols.join(", "),
                    exprs(key, &[])
                )
            }
            Plan::Values { schema, rows } => {
                let cols: Vec<String> = schema.iter().map(|f| f.name.to_string()).collect();
                format!("Values [{}] {} row(s)", cols.join(", "), rows.len())
            }
            Plan::Subscribe {
                table,
                schema,
                filter,
                last,
                ..
            } => {
                let cols: Vec<String> = schema.iter().map(|f| f.name.to_string()).collect();
                let mut s = format!("Subscribe {} [{}] last {last}", table.name, cols.join(", "));
                if let Some(f) = filter {
                    s.push_str(&format!(" filter ({})", f.render(&cols)));
                }
                s
            }
            Plan::Filter { input, predicate } => {
                format!("Filter {}", predicate.render(&names(input)))
            }
            Plan::Project {
                input,
                exprs,
                schema,
            } => {
                let cols = names(input);
                let parts: Vec<String> = exprs
                    .iter()
                    .zip(schema)
                    .map(|(e, f)| {
                        let t = e.render(&cols);
                        if *t == *f.name {
                            t
                        } else {
                            format!("{} = {t}", f.name)
                        }
                    })
                    .collect();
                format!("Project {}", parts.join(", "))
            }
            Plan::Aggregate {
                input,
                keys,
                aggs,
                schema,
            } => {
                let cols = names(input);
                let parts: Vec<String> = aggs
                    .iter()
                    .zip(&schema[keys.len()..])
                    .map(|((f, a), field)| {
                        format!(
                            "{} = {}({})",
                            field.name,
                            f.name(),
                            a.as_ref().map(|a| a.render(&cols)).unwrap_or_default()
                        )
                    })
                    .collect();
                let mut s = format!("Aggregate {}", parts.join(", "));
                if !keys.is_empty() {
                    s.push_str(&format!(" by {}", exprs(keys, &cols)));
                }
                s
            }
            Plan::Sort { input, keys } => format!("Sort {}", sort_keys(keys, &names(input))),
            Plan::TopK {
                input,
                keys,
                limit,
                offset,
            } => {
                let mut s = format!(
                    "TopK {} by {}",
                    limit.render(&[]),
                    sort_keys(keys, &names(input))
                );
                if let Some(o) = offset {
                    s.push_str(&format!(" skip {}", o.render(&[])));
                }
                s
            }
            Plan::Limit { limit, offset, .. } => {
                let mut parts = Vec::new();
                if let Some(o) = offset {
                    parts.push(format!("skip {}", o.render(&[])));
                }
                if let Some(l) = limit {
                    parts.push(format!("take {}", l.render(&[])));
                }
                format!("Limit {}", parts.join(" "))
            }
            Plan::Distinct { .. } => "Distinct".into(),
            Plan::Join {
                left,
                right,
                kind,
                keys,
                ..
            } => {
                let l = names(left);
                let r = names(right);
                let on: Vec<String> = keys
                    .left
                    .iter()
                    .zip(&keys.right)
                    .map(|(a, b)| format!("{} == {}", a.render(&l), b.render(&r)))
                    .collect();
                format!(
                    "HashJoin {} on {}",
                    crate::bytecode::Operand::show(kind),
                    on.join(" && ")
                )
            }
            Plan::Union { .. } => "Union".into(),
        }
    }

    /// The tree, one node per line, children indented under their parent. Iterative.
    pub fn tree(&self) -> String {
        let mut out = String::new();
        let mut stack: Vec<(&Plan, usize)> = vec![(self, 0)];
        while let Some((node, depth)) = stack.pop() {
            out.push_str(&"  ".repeat(depth));
            out.push_str(&node.describe());
            out.push('\n');
            for child in node.inputs().into_iter().rev() {
                stack.push((child, depth + 1));
            }
        }
        out
    }
}

impl BoundStatement {
    /// The statement as a tree: the sink or command on top, the plan below.
    pub fn tree(&self) -> String {
        let indent = |t: String| t.lines().map(|l| format!("  {l}\n")).collect::<String>();
        match self {
            BoundStatement::Query(p) => p.tree(),
            BoundStatement::Insert {
                table,
                input,
                upsert,
                ..
            } => {
                format!(
                    "{} {}\n{}",
                    if *upsert { "Upsert" } else { "Insert" },
                    table.name,
                    indent(input.tree())
                )
            }
            BoundStatement::Update { table, input, set } => {
                format!(
                    "Update {} ({} column(s))\n{}",
                    table.name,
                    set.len(),
                    indent(input.tree())
                )
            }
            BoundStatement::Delete { table, input } => {
                format!("Delete {}\n{}", table.name, indent(input.tree()))
            }
            BoundStatement::Command(c) => format!("{}\n", command_text(c)),
            BoundStatement::ExecuteAs { user, body } => {
                let inner: String = body.iter().map(|s| indent(s.tree())).collect();
                format!("ExecuteAs {user}\n{inner}")
            }
            BoundStatement::Explain { analyze, statement } => {
                format!(
                    "Explain{}\n{}",
                    if *analyze { " analyze" } else { "" },
                    indent(statement.tree())
                )
            }
            BoundStatement::Nothing => "Nothing\n".into(),
        }
    }
}

fn command_text(c: &Command) -> String {
    match c {
        Command::Begin => "Begin".into(),
        Command::Commit => "Commit".into(),
        Command::Rollback => "Rollback".into(),
        Command::CreateNamespace { name, .. } => format!("CreateNamespace {name}"),
        Command::DropNamespace { name, .. } => format!("DropNamespace {name}"),
        Command::CreateTable { def, .. } => {
            format!("CreateTable {}", crate::bytecode::Operand::show(def))
        }
        Command::AlterTable { table, action } => format!(
            "AlterTable {} {}",
            table.name,
            crate::bytecode::Operand::show(action)
        ),
        Command::DropTable { table } => format!("DropTable {}", table.name),
        Command::Flush { table } => format!("Flush {}", table.name),
        Command::Compact { table } => format!("Compact {}", table.name),
        Command::CreateUser { name, role, .. } => format!("CreateUser {name} role {role}"),
        Command::AlterUser { name, .. } => format!("AlterUser {name}"),
        Command::DropUser { name, .. } => format!("DropUser {name}"),
        Command::IssueCertificate { user, .. } => format!("IssueCertificate for {user}"),
        Command::RevokeCertificate { serial } => {
            format!("RevokeCertificate {}", serial.render(&[]))
        }
        Command::RevokeCertificates { user } => format!("RevokeCertificates for {user}"),
    }
}

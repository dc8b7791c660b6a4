//! What the grammar's actions call to build the tree: spans, identifiers, literal
//! folding (`-` applied to a number token), nesting-depth accounting, and the
//! checks that need more than a grammar rule (type names, roles, duplicates). Every
//! problem becomes a [`Diagnostic`] and parsing goes on with a shallow placeholder,
//! so one run reports every mistake and no deep tree is ever built.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, codes};
use crate::lexer::literal::{unescape, unquote_ident};
use crate::limits::MAX_EXPR_DEPTH;

/// The span of `l..r` (byte offsets from the grammar).
pub fn sp(l: usize, r: usize) -> Span {
    Span::new(l as u32, r as u32)
}

/// A number token not yet range-checked: kept aside so `-` can fold into it
/// (`-9223372036854775808` is in range, its positive part is not).
#[derive(Debug, Clone, Copy)]
pub enum Pending {
    Int(u64),
    Float(f64),
    Duration(u64),
}

/// An expression under construction: its depth, and whether it is a bare number
/// token that `-` may still fold into.
#[derive(Debug)]
pub struct Ex {
    pub expr: Expr,
    pub pending: Option<Pending>,
    pub depth: u32,
    /// Already over the depth limit (and reported).
    pub poisoned: bool,
}

/// State shared by all grammar actions of one parse.
pub struct Builder<'s> {
    pub src: &'s str,
    pub diags: Vec<Diagnostic>,
    /// End of the last nested `explain` reported: `explain explain … x` is one error.
    nested_explain_end: Option<u32>,
}

impl<'s> Builder<'s> {
    pub fn new(src: &'s str) -> Self {
        Builder {
            src,
            diags: Vec::new(),
            nested_explain_end: None,
        }
    }

    pub fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, span, message));
    }

    pub fn error_hint(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::new(code, span, message).with_hint(hint));
    }

    // ---- names --------------------------------------------------------------

    pub fn ident(&self, l: usize, r: usize) -> Ident {
        Ident {
            name: Name::new(&self.src[l..r]),
            span: sp(l, r),
        }
    }

    pub fn quoted_ident(&self, text: &str, l: usize, r: usize) -> Ident {
        Ident {
            name: Name::new(&unquote_ident(text)),
            span: sp(l, r),
        }
    }

    pub fn qualified(&self, first: Ident, second: Option<Ident>) -> QualifiedName {
        match second {
            Some(name) => {
                let span = first.span.to(name.span);
                QualifiedName {
                    namespace: Some(first),
                    name,
                    span,
                }
            }
            None => QualifiedName {
                span: first.span,
                namespace: None,
                name: first,
            },
        }
    }

    // ---- expressions --------------------------------------------------------

    /// Finishes an expression: reports a number token that was out of range.
    pub fn take(&mut self, ex: Ex) -> Expr {
        if let Some(p) = ex.pending {
            let too_big = match p {
                Pending::Int(v) | Pending::Duration(v) => v > i64::MAX as u64,
                Pending::Float(_) => false,
            };
            if too_big {
                let what = if matches!(p, Pending::Int(_)) {
                    "integer"
                } else {
                    "duration"
                };
                self.error_hint(
                    codes::INT_OUT_OF_RANGE,
                    ex.expr.span,
                    format!("{what} literal is out of range"),
                    "integers and durations are 64-bit signed: -9223372036854775808 to 9223372036854775807",
                );
            }
        }
        ex.expr
    }

    fn leaf(&self, kind: ExprKind, span: Span) -> Ex {
        Ex {
            expr: Expr { kind, span },
            depth: 1,
            pending: None,
            poisoned: false,
        }
    }

    /// A composite node over children of the given depths; past the limit it
    /// becomes a `null` placeholder reported once.
    fn node(&mut self, kind: ExprKind, span: Span, child_depth: u32, poisoned: bool) -> Ex {
        let depth = child_depth + 1;
        if poisoned || depth as usize > MAX_EXPR_DEPTH {
            if !poisoned {
                self.error_hint(
                    codes::EXPR_TOO_DEEP,
                    span,
                    format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
                    "split it up, e.g. with `extend` steps or an `in [...]` list",
                );
            }
            return Ex {
                expr: Expr {
                    kind: ExprKind::Literal(Literal::Null),
                    span,
                },
                depth: 1,
                pending: None,
                poisoned: true,
            };
        }
        Ex {
            expr: Expr { kind, span },
            depth,
            pending: None,
            poisoned: false,
        }
    }

    pub fn literal(&self, lit: Literal, l: usize, r: usize) -> Ex {
        self.leaf(ExprKind::Literal(lit), sp(l, r))
    }

    pub fn string(&self, token: &str, l: usize, r: usize) -> Ex {
        self.literal(Literal::String(unescape(token)), l, r)
    }

    pub fn number(&self, p: Pending, l: usize, r: usize) -> Ex {
        let lit = match p {
            Pending::Int(v) => Literal::Int(v.min(i64::MAX as u64) as i64),
            Pending::Float(v) => Literal::Float(v),
            Pending::Duration(v) => Literal::Duration(v.min(i64::MAX as u64) as i64),
        };
        let mut ex = self.literal(lit, l, r);
        ex.pending = Some(p);
        ex
    }

    pub fn param(&self, p: Param, l: usize, r: usize) -> Ex {
        self.leaf(ExprKind::Param(p), sp(l, r))
    }

    pub fn column(&self, qualifier: Option<Ident>, name: Ident) -> Ex {
        let span = qualifier
            .as_ref()
            .map_or(name.span, |q| q.span.to(name.span));
        self.leaf(
            ExprKind::Column(ColumnRef {
                qualifier,
                name,
                span,
            }),
            span,
        )
    }

    /// `( e )`: the span grows to cover the brackets; a number inside brackets is
    /// no longer a bare token (`-(5)` is a negation, not the literal `-5`).
    pub fn paren(&mut self, ex: Ex, l: usize, r: usize) -> Ex {
        let (depth, poisoned) = (ex.depth, ex.poisoned);
        let mut expr = self.take(ex);
        expr.span = sp(l, r);
        Ex {
            expr,
            depth,
            pending: None,
            poisoned,
        }
    }

    pub fn binary(&mut self, op: BinaryOp, lhs: Ex, rhs: Ex) -> Ex {
        let span = lhs.expr.span.to(rhs.expr.span);
        let depth = lhs.depth.max(rhs.depth);
        let poisoned = lhs.poisoned || rhs.poisoned;
        let (lhs, rhs) = (self.take(lhs), self.take(rhs));
        self.node(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            span,
            depth,
            poisoned,
        )
    }

    pub fn not(&mut self, operand: Ex, l: usize) -> Ex {
        self.unary(UnaryOp::Not, operand, l)
    }

    /// `- e`: folds into a number token (`-5`, `-2.5`, `-30s`), else a negation.
    pub fn neg(&mut self, operand: Ex, l: usize) -> Ex {
        let span = sp(l, operand.expr.span.end as usize);
        match operand.pending {
            Some(Pending::Int(v)) if v <= 1 << 63 => self.literal(
                Literal::Int((v as i64).wrapping_neg()),
                span.start as usize,
                span.end as usize,
            ),
            Some(Pending::Duration(v)) if v <= 1 << 63 => self.literal(
                Literal::Duration((v as i64).wrapping_neg()),
                span.start as usize,
                span.end as usize,
            ),
            Some(Pending::Float(v)) => {
                self.literal(Literal::Float(-v), span.start as usize, span.end as usize)
            }
            _ => self.unary(UnaryOp::Neg, operand, l),
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: Ex, l: usize) -> Ex {
        let span = sp(l, operand.expr.span.end as usize);
        let (depth, poisoned) = (operand.depth, operand.poisoned);
        let operand = self.take(operand);
        self.node(
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            span,
            depth,
            poisoned,
        )
    }

    pub fn cast(&mut self, ex: Ex, ty: TypeName) -> Ex {
        let span = ex.expr.span.to(ty.span);
        let (depth, poisoned) = (ex.depth, ex.poisoned);
        let expr = self.take(ex);
        self.node(
            ExprKind::Cast {
                expr: Box::new(expr),
                ty,
            },
            span,
            depth,
            poisoned,
        )
    }

    fn take_all(&mut self, items: Vec<Ex>) -> (Vec<Expr>, u32, bool) {
        let depth = items.iter().map(|e| e.depth).max().unwrap_or(0);
        let poisoned = items.iter().any(|e| e.poisoned);
        (
            items.into_iter().map(|e| self.take(e)).collect(),
            depth,
            poisoned,
        )
    }

    pub fn call(&mut self, name: Ident, args: Vec<Ex>, r: usize) -> Ex {
        let span = sp(name.span.start as usize, r);
        let (args, depth, poisoned) = self.take_all(args);
        self.node(ExprKind::Call { name, args }, span, depth, poisoned)
    }

    pub fn list(&mut self, items: Vec<Ex>, l: usize, r: usize) -> Ex {
        let (items, depth, poisoned) = self.take_all(items);
        self.node(ExprKind::List(items), sp(l, r), depth, poisoned)
    }

    // The fields arrive boxed from the parser stack (see grammar.lalrpop).
    #[allow(clippy::vec_box)]
    pub fn record(&mut self, fields: Vec<Box<(Ident, Ex)>>, l: usize, r: usize) -> Ex {
        let depth = fields.iter().map(|f| f.1.depth).max().unwrap_or(0);
        let poisoned = fields.iter().any(|f| f.1.poisoned);
        let fields = self.fields(fields);
        self.node(ExprKind::Record(fields), sp(l, r), depth, poisoned)
    }

    #[allow(clippy::vec_box)]
    pub fn fields(&mut self, fields: Vec<Box<(Ident, Ex)>>) -> Vec<RecordField> {
        fields
            .into_iter()
            .map(|field| {
                let (name, value) = *field;
                (name, value)
            })
            .map(|(name, value)| RecordField {
                name,
                value: self.take(value),
            })
            .collect()
    }

    pub fn in_list(&mut self, ex: Ex, items: Vec<Ex>, negated: bool, r: usize) -> Ex {
        let span = sp(ex.expr.span.start as usize, r);
        let (list, d, p) = self.take_all(items);
        let (depth, poisoned) = (d.max(ex.depth), p || ex.poisoned);
        let expr = Box::new(self.take(ex));
        self.node(
            ExprKind::InList {
                expr,
                list,
                negated,
            },
            span,
            depth,
            poisoned,
        )
    }

    pub fn between(&mut self, ex: Ex, low: Ex, high: Ex, negated: bool) -> Ex {
        let span = ex.expr.span.to(high.expr.span);
        let depth = ex.depth.max(low.depth).max(high.depth);
        let poisoned = ex.poisoned || low.poisoned || high.poisoned;
        let (expr, low, high) = (self.take(ex), self.take(low), self.take(high));
        let kind = ExprKind::Between {
            expr: Box::new(expr),
            low: Box::new(low),
            high: Box::new(high),
            negated,
        };
        self.node(kind, span, depth, poisoned)
    }

    // ---- types, roles, show targets -----------------------------------------

    pub fn type_name(&mut self, name: Ident, args: Option<(u64, u64)>, r: usize) -> TypeName {
        let span = sp(name.span.start as usize, r);
        let lower = name.name.to_ascii_lowercase();
        let simple = match lower.as_str() {
            "bool" => Some(TypeKind::Bool),
            "int16" => Some(TypeKind::Int16),
            "int32" => Some(TypeKind::Int32),
            "int64" | "int" => Some(TypeKind::Int64),
            "float32" => Some(TypeKind::Float32),
            "float64" | "float" => Some(TypeKind::Float64),
            "text" | "string" => Some(TypeKind::Text),
            "bytes" => Some(TypeKind::Bytes),
            "json" => Some(TypeKind::Json),
            "timestamp" => Some(TypeKind::Timestamp),
            "date" => Some(TypeKind::Date),
            "time" => Some(TypeKind::Time),
            "uuid" => Some(TypeKind::Uuid),
            _ => None,
        };
        let kind = match (simple, lower.as_str(), args) {
            (Some(kind), _, None) => kind,
            (Some(_), _, Some(_)) => {
                self.error(
                    codes::UNKNOWN_TYPE,
                    span,
                    format!("type `{}` takes no arguments", name.name),
                );
                TypeKind::Int64
            }
            (None, "decimal", Some((p, s))) if (1..=38).contains(&p) && s <= p => {
                TypeKind::Decimal {
                    precision: p as u8,
                    scale: s as u8,
                }
            }
            (None, "decimal", _) => {
                self.error_hint(
                    codes::UNKNOWN_TYPE,
                    span,
                    "`decimal` needs a precision from 1 to 38 and a scale no larger than it",
                    "write e.g. `decimal(10, 2)`",
                );
                TypeKind::Int64
            }
            (None, _, _) => {
                self.error_hint(
                    codes::UNKNOWN_TYPE,
                    name.span,
                    format!("unknown type `{}`", name.name),
                    TYPE_HINT,
                );
                TypeKind::Int64
            }
        };
        TypeName { kind, span }
    }

    pub fn role(&mut self, name: Ident) -> Role {
        match name.name.to_ascii_lowercase().as_str() {
            "user" => Role::User,
            "service" => Role::Service,
            "dba" => Role::Dba,
            "root" => Role::Root,
            _ => {
                self.error_hint(
                    codes::UNKNOWN_ROLE,
                    name.span,
                    format!("unknown role `{}`", name.name),
                    "roles are user, service, dba and root",
                );
                Role::User
            }
        }
    }

    pub fn show(&mut self, what: Ident) -> Ident {
        if !SHOW_TARGETS
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&what.name))
        {
            self.error_hint(
                codes::UNKNOWN_SHOW,
                what.span,
                format!("cannot show `{}`", what.name),
                format!("`show` takes one of: {}", SHOW_TARGETS.join(", ")),
            );
        }
        what
    }

    /// A string in an `ip` list: must be an IPv6 (or IPv4) address or CIDR range.
    pub fn ip_string(&mut self, token: &str, l: usize, r: usize) -> IpSpec {
        let text = unescape(token);
        if let Err(why) = check_ip_text(&text) {
            self.error_hint(
                codes::BAD_IP,
                sp(l, r),
                format!("invalid IP address `{text}`: {why}"),
                "write an address (\"::1\") or a range (\"fe80::/64\")",
            );
        }
        IpSpec {
            text,
            span: sp(l, r),
        }
    }

    // ---- statements ---------------------------------------------------------

    /// A pipeline used where a write cannot be (`let`, `subscribe`, a source).
    pub fn query(&mut self, p: Pipeline, context: &str) -> Pipeline {
        if let Some(sink) = &p.sink {
            self.error_hint(
                codes::NOT_ALLOWED_HERE,
                sink.span,
                format!("a write cannot end {context}"),
                "writes (`update`, `delete`, `insert into`, `upsert into`) only end a top-level pipeline",
            );
        }
        p
    }

    pub fn explain(&mut self, analyze: bool, inner: Statement, l: usize) -> Statement {
        let span = sp(l, inner.span.end as usize);
        let inner = match inner.kind {
            StatementKind::Explain { statement, .. } => {
                if self.nested_explain_end.replace(inner.span.end) != Some(inner.span.end) {
                    self.error(
                        codes::NOT_ALLOWED_HERE,
                        inner.span,
                        "`explain` cannot be nested",
                    );
                }
                *statement
            }
            _ => inner,
        };
        Statement {
            kind: StatementKind::Explain {
                analyze,
                statement: Box::new(inner),
            },
            span,
        }
    }

    pub fn execute_as(
        &mut self,
        user: Ident,
        body: Vec<Statement>,
        l: usize,
        r: usize,
    ) -> Statement {
        for s in &body {
            let what = match s.kind {
                StatementKind::ExecuteAs { .. } => "`execute as` cannot be nested",
                StatementKind::Begin | StatementKind::Commit | StatementKind::Rollback => {
                    "an `execute as` block is already one transaction: no `begin`, `commit` or `rollback` inside"
                }
                _ => continue,
            };
            self.error(codes::NOT_ALLOWED_HERE, s.span, what);
        }
        let body = body
            .into_iter()
            .filter(|s| !matches!(s.kind, StatementKind::ExecuteAs { .. }))
            .collect();
        Statement {
            kind: StatementKind::ExecuteAs { user, body },
            span: sp(l, r),
        }
    }

    pub fn column_def(
        &mut self,
        name: Ident,
        ty: TypeName,
        constraints: Vec<(Constraint, Span)>,
        r: usize,
    ) -> ColumnDef {
        let mut def = ColumnDef {
            span: sp(name.span.start as usize, r),
            name,
            ty,
            key: false,
            not_null: false,
            default: None,
        };
        for (c, span) in constraints {
            let dup = match c {
                Constraint::Key => std::mem::replace(&mut def.key, true),
                Constraint::NotNull => std::mem::replace(&mut def.not_null, true),
                Constraint::Default(e) => def.default.replace(e).is_some(),
            };
            if dup {
                self.error(
                    codes::DUPLICATE_CLAUSE,
                    span,
                    "this column constraint is given twice",
                );
            }
        }
        def
    }

    pub fn create_table(&mut self, mut t: CreateTable, elements: Vec<Element>) -> CreateTable {
        for e in elements {
            match e {
                Element::Column(c) => t.columns.push(*c),
                Element::Key(cols, span) => {
                    if t.key.replace(cols).is_some() {
                        self.error(
                            codes::DUPLICATE_CLAUSE,
                            span,
                            "the table already has a `key (…)`",
                        );
                    }
                }
            }
        }
        if t.key.is_some()
            && let Some(c) = t.columns.iter().find(|c| c.key)
        {
            self.error_hint(
                codes::DUPLICATE_CLAUSE,
                c.span,
                "the key is given both on a column and as `key (…)`",
                "keep one: `key` on the column for a one-column key, `key (a, b)` for a compound one",
            );
        }
        t
    }

    pub fn user_options(&mut self, options: Vec<(UserOption, Span)>) -> Vec<UserOption> {
        let mut seen = [false; 3];
        let mut out = Vec::with_capacity(options.len());
        for (o, span) in options {
            let slot = match o {
                UserOption::Role(_) => 0,
                UserOption::Ip(_) => 1,
                UserOption::Enabled(_) => 2,
            };
            if std::mem::replace(&mut seen[slot], true) {
                self.error(codes::DUPLICATE_CLAUSE, span, "this option is given twice");
            }
            out.push(o);
        }
        out
    }
}

/// The words `show` accepts.
pub const SHOW_TARGETS: &[&str] = &[
    "tables",
    "namespaces",
    "users",
    "certificates",
    "sessions",
    "jobs",
];

const TYPE_HINT: &str = "types are bool, int16, int32, int64 (int), float32, float64 (float), \
decimal(p, s), text (string), bytes, json, timestamp, date, time and uuid";

/// A column constraint as written, before duplicates are checked.
pub enum Constraint {
    Key,
    NotNull,
    Default(Expr),
}

/// An element of `create table (…)`.
pub enum Element {
    Column(Box<ColumnDef>),
    Key(Vec<Ident>, Span),
}

fn check_ip_text(text: &str) -> Result<(), &'static str> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let max = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return Err("not an IPv4 or IPv6 address"),
    };
    match prefix {
        Some(p) if p.is_empty() || p.len() > 3 || p.parse::<u8>().map_or(true, |v| v > max) => {
            Err("the prefix length is out of range")
        }
        Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => {
            Err("the prefix length is not a number")
        }
        _ => Ok(()),
    }
}

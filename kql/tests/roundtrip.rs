//! Property: for any tree the parser could produce, printing it and parsing the
//! text gives the same tree back (spans aside), and printing is stable. The
//! generator covers every statement, stage, source, sink, expression form and
//! literal, with names drawn from plain names, contextual keywords, reserved words
//! and odd names that need backticks.

use kql::ast::*;
use proptest::prelude::*;

fn span() -> Span {
    Span::default()
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "id",
    "created_at",
    "_x1",
    "Messages",
    "role",
    "user",
    "key",
    "value",
    "count",
    "time",
    "text",
    "from",
    "where",
    "select",
    "table",
    "left",
    "desc",
    "nulls",
    "with_",
    "if",
    "default",
    "show",
    "values",
    "to",
    "none",
    "and",
    "or",
    "not",
    "in",
    "between",
    "true",
    "null",
    "as",
    "on",
    "by",
    "with",
    "odd name",
    "back`tick",
    "café",
    "1abc",
    "AND",
];

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(NAMES).prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
    ]
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident {
        name: name.into(),
        span: span(),
    })
}

fn qualified() -> impl Strategy<Value = QualifiedName> {
    (proptest::option::of(ident()), ident()).prop_map(|(namespace, name)| QualifiedName {
        namespace,
        name,
        span: span(),
    })
}

fn type_name() -> impl Strategy<Value = TypeName> {
    let simple = proptest::sample::select(vec![
        TypeKind::Bool,
        TypeKind::Int16,
        TypeKind::Int32,
        TypeKind::Int64,
        TypeKind::Float32,
        TypeKind::Float64,
        TypeKind::Text,
        TypeKind::Bytes,
        TypeKind::Json,
        TypeKind::Timestamp,
        TypeKind::Date,
        TypeKind::Time,
        TypeKind::Uuid,
    ]);
    let decimal = (1u8..=38)
        .prop_flat_map(|p| (Just(p), 0..=p))
        .prop_map(|(precision, scale)| TypeKind::Decimal { precision, scale });
    prop_oneof![4 => simple, 1 => decimal].prop_map(|kind| TypeName { kind, span: span() })
}

// 0001-01-01 and 9999-12-31 in days since the epoch.
const MIN_DAY: i64 = -719_162;
const MAX_DAY: i64 = 2_932_896;

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(i64::MIN),
            Just(i64::MAX),
            -1000i64..1000
        ]
        .prop_map(Literal::Int),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(Literal::Float),
        prop_oneof![
            Just(0.5f64),
            Just(-0.0),
            Just(1e300),
            Just(1e-300),
            Just(100.0)
        ]
        .prop_map(Literal::Float),
        any::<String>().prop_map(Literal::String),
        "[a-z \"'\\\\\n\t]{0,8}".prop_map(Literal::String),
        any::<i64>().prop_map(Literal::Duration),
        (
            -1000i64..1000,
            proptest::sample::select(vec![
                1i64,
                1_000,
                1_000_000,
                60_000_000,
                3_600_000_000,
                86_400_000_000
            ])
        )
            .prop_map(|(n, unit)| Literal::Duration(n * unit)),
        (MIN_DAY..=MAX_DAY).prop_map(|d| Literal::Date(d as i32)),
        (MIN_DAY * 86_400_000_000..(MAX_DAY + 1) * 86_400_000_000).prop_map(Literal::Timestamp),
        (MIN_DAY..=MAX_DAY).prop_map(|d| Literal::Timestamp(d * 86_400_000_000)),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    let kind = prop_oneof![
        4 => literal().prop_map(ExprKind::Literal),
        4 => (proptest::option::of(ident()), ident())
            .prop_map(|(qualifier, name)| ExprKind::Column(ColumnRef { qualifier, name, span: span() })),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}".prop_map(|n| ExprKind::Param(Param::Named(n))),
        1 => (1u32..=u32::MAX).prop_map(|n| ExprKind::Param(Param::Positional(n))),
    ];
    kind.prop_map(|kind| Expr { kind, span: span() })
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    proptest::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::NotEq,
        BinaryOp::Lt,
        BinaryOp::LtEq,
        BinaryOp::Gt,
        BinaryOp::GtEq,
        BinaryOp::EqCi,
        BinaryOp::NotEqCi,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Rem,
    ])
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let e = move || inner.clone().prop_map(Box::new);
        let list = |inner: BoxedStrategy<Expr>| proptest::collection::vec(inner, 0..4);
        let boxed = e().prop_map(|b| *b).boxed();
        let kind = prop_oneof![
            (
                proptest::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]),
                e()
            )
                .prop_map(|(op, operand)| ExprKind::Unary { op, operand }),
            (binary_op(), e(), e()).prop_map(|(op, lhs, rhs)| ExprKind::Binary { op, lhs, rhs }),
            (ident(), list(boxed.clone())).prop_map(|(name, args)| ExprKind::Call { name, args }),
            (e(), list(boxed.clone()), any::<bool>()).prop_map(|(expr, list, negated)| {
                ExprKind::InList {
                    expr,
                    list,
                    negated,
                }
            }),
            (e(), e(), e(), any::<bool>()).prop_map(|(expr, low, high, negated)| {
                ExprKind::Between {
                    expr,
                    low,
                    high,
                    negated,
                }
            }),
            (e(), type_name()).prop_map(|(expr, ty)| ExprKind::Cast { expr, ty }),
            list(boxed.clone()).prop_map(ExprKind::List),
            proptest::collection::vec(field_of(boxed.clone()), 0..3).prop_map(ExprKind::Record),
        ];
        kind.prop_map(|kind| Expr { kind, span: span() })
    })
}

fn field_of(value: BoxedStrategy<Expr>) -> impl Strategy<Value = RecordField> {
    (ident(), value).prop_map(|(name, value)| RecordField { name, value })
}

fn fields() -> impl Strategy<Value = Vec<RecordField>> {
    proptest::collection::vec(field_of(expr().boxed()), 0..3)
}

fn projection() -> impl Strategy<Value = Projection> {
    (proptest::option::of(ident()), expr()).prop_map(|(name, expr)| Projection {
        name,
        expr,
        span: span(),
    })
}

fn projections(min: usize) -> impl Strategy<Value = Vec<Projection>> {
    proptest::collection::vec(projection(), min..3)
}

fn assignment() -> impl Strategy<Value = Assignment> {
    (ident(), expr()).prop_map(|(name, value)| Assignment {
        name,
        value,
        span: span(),
    })
}

fn assignments() -> impl Strategy<Value = Vec<Assignment>> {
    proptest::collection::vec(assignment(), 1..3)
}

fn source(depth: u32) -> BoxedStrategy<Source> {
    let table = qualified().prop_map(SourceKind::Table).boxed();
    let rows = proptest::collection::vec(fields(), 0..3)
        .prop_map(SourceKind::Rows)
        .boxed();
    let kind = if depth == 0 {
        prop_oneof![3 => table, 1 => rows].boxed()
    } else {
        let sub = pipeline(depth - 1, false)
            .prop_map(|p| SourceKind::Pipeline(Box::new(p)))
            .boxed();
        prop_oneof![3 => table, 1 => rows, 1 => sub].boxed()
    };
    (kind, proptest::option::of(ident()))
        .prop_map(|(kind, alias)| Source {
            kind,
            alias,
            span: span(),
        })
        .boxed()
}

fn stage(depth: u32) -> impl Strategy<Value = Stage> {
    let sort_key = (expr(), any::<bool>(), proptest::option::of(any::<bool>())).prop_map(
        |(expr, descending, nulls_first)| SortKey {
            expr,
            descending,
            nulls_first,
            span: span(),
        },
    );
    let join_kind = proptest::sample::select(vec![
        JoinKind::Inner,
        JoinKind::Left,
        JoinKind::Right,
        JoinKind::Full,
    ]);
    let kind = prop_oneof![
        expr().prop_map(StageKind::Where),
        projections(1).prop_map(StageKind::Select),
        assignments().prop_map(StageKind::Extend),
        (projections(0), projections(0))
            .prop_filter("aggregate needs something", |(a, b)| !a.is_empty()
                || !b.is_empty())
            .prop_map(|(aggregates, by)| StageKind::Aggregate { aggregates, by }),
        proptest::collection::vec(sort_key, 1..3).prop_map(StageKind::Sort),
        expr().prop_map(StageKind::Take),
        expr().prop_map(StageKind::Skip),
        projections(0).prop_map(StageKind::Distinct),
        (join_kind, source(depth), expr()).prop_map(|(kind, right, on)| StageKind::Join {
            kind,
            right,
            on
        }),
        source(depth).prop_map(StageKind::Union),
    ];
    kind.prop_map(|kind| Stage { kind, span: span() })
}

fn sink() -> impl Strategy<Value = Sink> {
    let kind = prop_oneof![
        assignments().prop_map(SinkKind::Update),
        Just(SinkKind::Delete),
        qualified().prop_map(SinkKind::Insert),
        qualified().prop_map(SinkKind::Upsert),
    ];
    kind.prop_map(|kind| Sink { kind, span: span() })
}

fn pipeline(depth: u32, with_sink: bool) -> BoxedStrategy<Pipeline> {
    let sink = if with_sink {
        proptest::option::of(sink()).boxed()
    } else {
        Just(None).boxed()
    };
    (
        source(depth),
        proptest::collection::vec(stage(depth), 0..4),
        sink,
    )
        .prop_map(|(source, stages, sink)| Pipeline {
            source,
            stages,
            sink,
            span: span(),
        })
        .boxed()
}

fn options() -> impl Strategy<Value = Vec<OptionSetting>> {
    proptest::collection::vec(
        (ident(), expr()).prop_map(|(name, value)| OptionSetting {
            name,
            value,
            span: span(),
        }),
        0..3,
    )
}

fn column() -> impl Strategy<Value = ColumnDef> {
    (
        ident(),
        type_name(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(expr()),
    )
        .prop_map(|(name, ty, key, not_null, default)| ColumnDef {
            name,
            ty,
            key,
            not_null,
            default,
            span: span(),
        })
}

fn ips(min: usize) -> impl Strategy<Value = Vec<IpSpec>> {
    let ip = proptest::sample::select(vec![
        "10.0.0.5",
        "10.0.1.0/24",
        "0.0.0.0/0",
        "::1",
        "fe80::/64",
        "2001:db8::1",
    ]);
    proptest::collection::vec(
        ip.prop_map(|t| IpSpec {
            text: t.into(),
            span: span(),
        }),
        min..3,
    )
}

fn user_options(min: usize) -> impl Strategy<Value = Vec<UserOption>> {
    let role = proptest::sample::select(vec![Role::User, Role::Service, Role::Dba, Role::Root]);
    (
        proptest::option::of(role.prop_map(UserOption::Role)),
        proptest::option::of(ips(0).prop_map(UserOption::Ip)),
        proptest::option::of(any::<bool>().prop_map(UserOption::Enabled)),
        any::<bool>(),
    )
        .prop_map(|(r, i, e, rev)| {
            let mut v: Vec<UserOption> = [r, i, e].into_iter().flatten().collect();
            if rev {
                v.reverse();
            }
            v
        })
        .prop_filter("enough options", move |v| v.len() >= min)
}

fn insert_values() -> impl Strategy<Value = InsertValues> {
    let records = proptest::collection::vec(fields(), 1..3).prop_map(InsertRows::Records);
    let values = (
        proptest::collection::vec(ident(), 1..3),
        proptest::collection::vec(proptest::collection::vec(expr(), 1..3), 1..3),
    )
        .prop_map(|(columns, rows)| InsertRows::Values { columns, rows });
    (qualified(), prop_oneof![records, values]).prop_map(|(table, rows)| InsertValues {
        table,
        rows,
        span: span(),
    })
}

fn simple_statement() -> BoxedStrategy<StatementKind> {
    let create_table = (
        proptest::option::of(proptest::sample::select(vec![
            TableKind::User,
            TableKind::Shared,
            TableKind::Stream,
        ])),
        any::<bool>(),
        qualified(),
        proptest::collection::vec(column(), 0..3),
        proptest::option::of(proptest::collection::vec(ident(), 1..3)),
        options(),
    )
        .prop_map(|(kind, if_not_exists, name, mut columns, key, options)| {
            if key.is_some() {
                columns.iter_mut().for_each(|c| c.key = false);
            }
            StatementKind::CreateTable(CreateTable {
                kind,
                if_not_exists,
                name,
                columns,
                key,
                options,
                span: span(),
            })
        });
    let alter_action = prop_oneof![
        column().prop_map(AlterTableAction::AddColumn),
        ident().prop_map(AlterTableAction::DropColumn),
        (ident(), ident()).prop_map(|(from, to)| AlterTableAction::RenameColumn { from, to }),
        options().prop_map(AlterTableAction::SetOptions),
    ];
    let show = proptest::sample::select(vec![
        "tables",
        "namespaces",
        "users",
        "certificates",
        "sessions",
        "jobs",
        "Tables",
    ]);
    prop_oneof![
        pipeline(2, true).prop_map(StatementKind::Pipeline),
        (ident(), pipeline(1, false))
            .prop_map(|(name, pipeline)| StatementKind::Let { name, pipeline }),
        insert_values().prop_map(StatementKind::Insert),
        insert_values().prop_map(StatementKind::Upsert),
        (ident(), any::<bool>()).prop_map(|(name, if_not_exists)| StatementKind::CreateNamespace {
            name,
            if_not_exists
        }),
        create_table,
        (qualified(), alter_action)
            .prop_map(|(table, action)| StatementKind::AlterTable { table, action }),
        (qualified(), any::<bool>())
            .prop_map(|(table, if_exists)| StatementKind::DropTable { table, if_exists }),
        (ident(), any::<bool>())
            .prop_map(|(name, if_exists)| StatementKind::DropNamespace { name, if_exists }),
        (ident(), user_options(0))
            .prop_map(|(name, options)| StatementKind::CreateUser { name, options }),
        (ident(), user_options(1))
            .prop_map(|(name, options)| StatementKind::AlterUser { name, options }),
        (ident(), any::<bool>())
            .prop_map(|(name, if_exists)| StatementKind::DropUser { name, if_exists }),
        (ident(), expr(), ips(0), proptest::option::of(expr())).prop_map(
            |(user, csr, ips, valid)| {
                StatementKind::IssueCertificate(IssueCertificate {
                    user,
                    csr,
                    ips,
                    valid,
                    span: span(),
                })
            }
        ),
        expr().prop_map(|serial| StatementKind::RevokeCertificate { serial }),
        ident().prop_map(|user| StatementKind::RevokeCertificates { user }),
        (pipeline(1, false), options())
            .prop_map(|(pipeline, options)| StatementKind::Subscribe { pipeline, options }),
        qualified().prop_map(|table| StatementKind::Flush { table }),
        qualified().prop_map(|table| StatementKind::Compact { table }),
        show.prop_map(|w| StatementKind::Show {
            what: Ident {
                name: w.into(),
                span: span()
            }
        }),
        qualified().prop_map(|table| StatementKind::Describe { table }),
    ]
    .boxed()
}

fn stmt(kind: StatementKind) -> Statement {
    Statement { kind, span: span() }
}

fn statement() -> impl Strategy<Value = Statement> {
    let plain = simple_statement();
    let tx = proptest::sample::select(vec![
        StatementKind::Begin,
        StatementKind::Commit,
        StatementKind::Rollback,
    ]);
    let execute_as = (
        ident(),
        proptest::collection::vec(simple_statement().prop_map(stmt), 0..3),
    )
        .prop_map(|(user, body)| StatementKind::ExecuteAs { user, body });
    let explain = (
        any::<bool>(),
        prop_oneof![simple_statement(), tx.clone().boxed()],
    )
        .prop_map(|(analyze, s)| StatementKind::Explain {
            analyze,
            statement: Box::new(stmt(s)),
        });
    prop_oneof![8 => plain, 1 => tx, 1 => execute_as, 1 => explain].prop_map(stmt)
}

fn check_statement(s: &Statement) -> Result<(), TestCaseError> {
    let printed = kql::format_statement(s);
    let parsed = kql::parse_statement(&printed).map_err(|d| {
        TestCaseError::fail(format!(
            "printed text does not parse:\n{printed}\n{}",
            d.render("printed", &printed)
        ))
    })?;
    prop_assert_eq!(
        parsed.without_spans(),
        s.without_spans(),
        "printed:\n{}",
        printed
    );
    prop_assert_eq!(kql::format_statement(&parsed), printed.clone());
    for line in printed.lines() {
        prop_assert!(!line.ends_with(' '), "trailing space in {:?}", line);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn statements_round_trip(s in statement()) {
        check_statement(&s)?;
    }

    #[test]
    fn expressions_round_trip(e in expr()) {
        let printed = kql::format_expr(&e);
        let parsed = kql::parse_expr(&printed).map_err(|d| {
            TestCaseError::fail(format!("printed expression does not parse:\n{printed}\n{}", d.render("printed", &printed)))
        })?;
        prop_assert_eq!(parsed.without_spans(), e.without_spans(), "printed: {}", printed);
    }

    #[test]
    fn scripts_round_trip(statements in proptest::collection::vec(statement(), 0..4)) {
        let script = Script { statements };
        let printed = kql::format_script(&script);
        let parsed = kql::parse(&printed).map_err(|d| TestCaseError::fail(d.render("printed", &printed)))?;
        prop_assert_eq!(parsed.without_spans(), script.without_spans());
    }
}

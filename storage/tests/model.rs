//! Model-based test: random sequences of operations (insert, upsert, update, delete,
//! point gets, filtered/ordered/ranged scans, flush, compact, restart, erase-user,
//! add-column) run against the engine and an in-memory model; every read must agree.
//!
//! `KALAVAR_MODEL_CASES` sets the number of sequences (default 500) and
//! `KALAVAR_MODEL_OPS` their length (default 200).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use common::options;
use kalavar_storage::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Filter {
    None,
    Eq(i64),
    Lt(i64),
    Ge(i64),
    IsNull,
    In(i64, i64),
    /// On the most recently added column.
    ExtraEq(i64),
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize, i64, Option<i64>),
    Upsert(usize, i64, Option<i64>),
    Update(usize, i64, Option<i64>),
    Delete(usize, i64),
    Get(usize, i64),
    Scan(usize, Filter),
    ScanRange(usize, i64, i64, usize),
    Flush(usize),
    Compact(usize),
    Restart,
    EraseUser(usize),
    AddColumn(Option<i64>),
}

/// Partitions: 0 = the shared table; 1, 2 = two users' partitions of the user table.
const PARTS: usize = 3;

fn x_val() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![1 => Just(None), 4 => (0i64..5).prop_map(Some)]
}

fn op() -> impl Strategy<Value = Op> {
    let p = 0..PARTS;
    let id = 0i64..24;
    let filter = prop_oneof![
        2 => Just(Filter::None),
        2 => (0i64..5).prop_map(Filter::Eq),
        1 => (0i64..5).prop_map(Filter::Lt),
        1 => (0i64..5).prop_map(Filter::Ge),
        1 => Just(Filter::IsNull),
        1 => (0i64..5, 0i64..5).prop_map(|(a, b)| Filter::In(a, b)),
        1 => (0i64..5).prop_map(Filter::ExtraEq),
    ];
    prop_oneof![
        20 => (p.clone(), id.clone(), x_val()).prop_map(|(p, i, x)| Op::Insert(p, i, x)),
        8 => (p.clone(), id.clone(), x_val()).prop_map(|(p, i, x)| Op::Upsert(p, i, x)),
        8 => (p.clone(), id.clone(), x_val()).prop_map(|(p, i, x)| Op::Update(p, i, x)),
        10 => (p.clone(), id.clone()).prop_map(|(p, i)| Op::Delete(p, i)),
        8 => (p.clone(), id.clone()).prop_map(|(p, i)| Op::Get(p, i)),
        10 => (p.clone(), filter).prop_map(|(p, f)| Op::Scan(p, f)),
        4 => (p.clone(), id.clone(), id, 1usize..6).prop_map(|(p, a, b, l)| Op::ScanRange(p, a.min(b), a.max(b), l)),
        8 => p.clone().prop_map(Op::Flush),
        3 => p.clone().prop_map(Op::Compact),
        1 => Just(Op::Restart),
        1 => (1usize..PARTS).prop_map(Op::EraseUser),
        1 => prop_oneof![Just(None), (0i64..5).prop_map(Some)].prop_map(Op::AddColumn),
    ]
}

/// A row of the model: x and the values of added columns, in order.
type Row = (Option<i64>, Vec<Option<i64>>);

struct World {
    dir: tempfile::TempDir,
    engine: Option<Engine>,
    shared: TableId,
    user_table: TableId,
    users: [UserId; 2],
    /// Backfills of the added columns, in order.
    extra: Vec<Option<i64>>,
    model: [BTreeMap<i64, Row>; PARTS],
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let e = Engine::open(dir.path(), options()).unwrap();
        e.create_namespace("m").unwrap();
        let cols = || {
            vec![
                ColumnSpec::new("id", DataType::Int64, false),
                ColumnSpec::new("x", DataType::Int64, true),
                ColumnSpec::new("body", DataType::Text, true),
            ]
        };
        let mk = |name: &str, kind| {
            e.create_table(&TableSpec {
                namespace: "m".into(),
                name: name.into(),
                kind,
                columns: cols(),
                primary_key: vec!["id".into()],
                options: TableOptions::default(),
            })
            .unwrap()
            .id
        };
        let shared = mk("s", TableKind::Shared);
        let user_table = mk("u", TableKind::User);
        let mut users = [UserId(0); 2];
        for (i, u) in users.iter_mut().enumerate() {
            *u = e
                .create_user(&UserSpec {
                    name: format!("user{i}"),
                    role: Role::User,
                    enabled: true,
                    allowed_ips: vec![],
                })
                .unwrap()
                .id;
        }
        World {
            dir,
            engine: Some(e),
            shared,
            user_table,
            users,
            extra: vec![],
            model: Default::default(),
        }
    }

    fn e(&self) -> &Engine {
        self.engine.as_ref().unwrap()
    }

    fn target(&self, p: usize) -> (TableId, Option<UserId>) {
        if p == 0 {
            (self.shared, None)
        } else {
            (self.user_table, Some(self.users[p - 1]))
        }
    }

    fn def(&self, p: usize) -> Arc<TableDef> {
        self.e().catalog().table(self.target(p).0).unwrap().clone()
    }

    /// One row for partition p; added columns get `x` too (so filters on them bite).
    fn batch(&self, p: usize, id: i64, x: Option<i64>) -> (RecordBatch, Row) {
        let def = self.def(p);
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![id])),
            Arc::new(Int64Array::from(vec![x])),
            Arc::new(StringArray::from(vec![format!("b{id}")])),
        ];
        let extras: Vec<Option<i64>> = def.columns[3..].iter().map(|_| x).collect();
        for v in &extras {
            cols.push(Arc::new(Int64Array::from(vec![*v])));
        }
        (
            RecordBatch::try_new(def.arrow_schema(), cols).unwrap(),
            (x, extras),
        )
    }

    fn rows_of(b: &RecordBatch) -> Vec<(i64, Row)> {
        let ids = b.column(0).as_primitive::<Int64Type>();
        let get = |c: usize, i: usize| {
            let a = b.column(c).as_primitive::<Int64Type>();
            (!a.is_null(i)).then(|| a.value(i))
        };
        (0..b.num_rows())
            .map(|i| {
                let extras = (3..b.num_columns()).map(|c| get(c, i)).collect();
                (ids.value(i), (get(1, i), extras))
            })
            .collect()
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op.clone() {
            Op::Insert(p, id, x) => {
                let (t, o) = self.target(p);
                let (b, row) = self.batch(p, id, x);
                let r = self.e().insert(t, o, &b);
                match self.model[p].entry(id) {
                    std::collections::btree_map::Entry::Occupied(_) => {
                        prop_assert_eq!(r.unwrap_err().code(), "S111");
                    }
                    std::collections::btree_map::Entry::Vacant(v) => {
                        r.unwrap();
                        v.insert(row);
                    }
                }
            }
            Op::Upsert(p, id, x) => {
                let (t, o) = self.target(p);
                let (b, row) = self.batch(p, id, x);
                self.e().upsert(t, o, &b).unwrap();
                self.model[p].insert(id, row);
            }
            Op::Update(p, id, x) => {
                let (t, o) = self.target(p);
                let (b, row) = self.batch(p, id, x);
                let r = self.e().update(t, o, &b);
                if let std::collections::btree_map::Entry::Occupied(mut e) = self.model[p].entry(id)
                {
                    r.unwrap();
                    e.insert(row);
                } else {
                    prop_assert_eq!(r.unwrap_err().code(), "S112");
                }
            }
            Op::Delete(p, id) => {
                let (t, o) = self.target(p);
                let n = self
                    .e()
                    .delete(t, o, &[vec![ScalarValue::Int64(id)]])
                    .unwrap();
                let had = self.model[p].remove(&id).is_some();
                prop_assert_eq!(n, had as usize);
            }
            Op::Get(p, id) => {
                let (t, o) = self.target(p);
                let got = self.e().get(t, o, &[ScalarValue::Int64(id)], None).unwrap();
                let got = got.map(|b| Self::rows_of(&b));
                let want = self.model[p].get(&id).map(|r| vec![(id, r.clone())]);
                prop_assert_eq!(got, want, "get {} in partition {}", id, p);
            }
            Op::Scan(p, f) => {
                let (t, o) = self.target(p);
                let def = self.def(p);
                let x = def.column_by_name("x").unwrap().id;
                let last = def.columns.get(3..).and_then(|c| c.last()).map(|c| c.id);
                let mut spec = ScanSpec::new(t, o).batch_size(7);
                spec = match &f {
                    Filter::None => spec,
                    Filter::Eq(v) => spec.filter(x, PredicateOp::Eq(ScalarValue::Int64(*v))),
                    Filter::Lt(v) => spec.filter(x, PredicateOp::Lt(ScalarValue::Int64(*v))),
                    Filter::Ge(v) => spec.filter(x, PredicateOp::Ge(ScalarValue::Int64(*v))),
                    Filter::IsNull => spec.filter(x, PredicateOp::IsNull),
                    Filter::In(a, b) => spec.filter(
                        x,
                        PredicateOp::In(vec![ScalarValue::Int64(*a), ScalarValue::Int64(*b)]),
                    ),
                    Filter::ExtraEq(v) => match last {
                        Some(c) => spec.filter(c, PredicateOp::Eq(ScalarValue::Int64(*v))),
                        None => spec,
                    },
                };
                let keep = |r: &Row| match &f {
                    Filter::None => true,
                    Filter::Eq(v) => r.0 == Some(*v),
                    Filter::Lt(v) => r.0.is_some_and(|x| x < *v),
                    Filter::Ge(v) => r.0.is_some_and(|x| x >= *v),
                    Filter::IsNull => r.0.is_none(),
                    Filter::In(a, b) => r.0 == Some(*a) || r.0 == Some(*b),
                    Filter::ExtraEq(v) => match r.1.last() {
                        Some(e) => *e == Some(*v),
                        None => true,
                    },
                };
                let mut got = Self::rows_of(&self.e().scan(spec).unwrap().collect_batch().unwrap());
                got.sort_by_key(|r| r.0);
                let want: Vec<(i64, Row)> = self.model[p]
                    .iter()
                    .filter(|(_, r)| keep(r))
                    .map(|(k, r)| (*k, r.clone()))
                    .collect();
                prop_assert_eq!(got, want, "scan {:?} of partition {}", f, p);
            }
            Op::ScanRange(p, a, b, limit) => {
                let (t, o) = self.target(p);
                let spec = ScanSpec::new(t, o)
                    .range(KeyRange {
                        start: std::ops::Bound::Included(vec![ScalarValue::Int64(a)]),
                        end: std::ops::Bound::Excluded(vec![ScalarValue::Int64(b)]),
                    })
                    .ordered()
                    .limit(limit)
                    .batch_size(2);
                let got = Self::rows_of(&self.e().scan(spec).unwrap().collect_batch().unwrap());
                let want: Vec<(i64, Row)> = self.model[p]
                    .range(a..b)
                    .take(limit)
                    .map(|(k, r)| (*k, r.clone()))
                    .collect();
                prop_assert_eq!(got, want, "ordered range {}..{} limit {}", a, b, limit);
            }
            Op::Flush(p) => {
                let (t, o) = self.target(p);
                self.e().flush(t, o).unwrap();
            }
            Op::Compact(p) => {
                let (t, o) = self.target(p);
                self.e().compact(t, o).unwrap();
            }
            Op::Restart => {
                self.engine = None;
                self.engine = Some(Engine::open(self.dir.path(), options()).unwrap());
            }
            Op::EraseUser(p) => {
                let (_, o) = self.target(p);
                self.e().erase_user(o.unwrap()).unwrap();
                self.model[p].clear();
            }
            Op::AddColumn(backfill) => {
                let n = self.extra.len();
                if n >= 3 {
                    return Ok(());
                }
                let mut col = ColumnSpec::new(&format!("c{n}"), DataType::Int64, true);
                col.backfill = backfill
                    .map(ScalarValue::Int64)
                    .unwrap_or(ScalarValue::Null);
                for t in [self.shared, self.user_table] {
                    self.e()
                        .alter_table(t, &AlterTable::AddColumn(col.clone()))
                        .unwrap();
                }
                self.extra.push(backfill);
                for m in self.model.iter_mut() {
                    for r in m.values_mut() {
                        r.1.push(backfill);
                    }
                }
            }
        }
        Ok(())
    }
}

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn check_sequence(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut w = World::new();
    for op in ops {
        w.run(op)?;
    }
    // Every partition, once more, after a final restart.
    w.run(&Op::Restart)?;
    for p in 0..PARTS {
        w.run(&Op::Scan(p, Filter::None))?;
    }
    Ok(())
}

// The sequences are split over two test functions so that the test harness runs them
// on two threads: `KALAVAR_MODEL_CASES` is the total.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: env("KALAVAR_MODEL_CASES", 500).div_ceil(2),
        max_shrink_iters: 2000,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn engine_agrees_with_the_model_a(ops in prop::collection::vec(op(), env("KALAVAR_MODEL_OPS", 200) as usize)) {
        check_sequence(&ops)?;
    }

    #[test]
    fn engine_agrees_with_the_model_b(ops in prop::collection::vec(op(), env("KALAVAR_MODEL_OPS", 200) as usize)) {
        check_sequence(&ops)?;
    }
}

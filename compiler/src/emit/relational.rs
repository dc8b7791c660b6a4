//! Code for relational operators, in the push style: `produce(plan, steps)` emits
//! the loop that yields the plan's batches and, inside it, `steps` — what the
//! consumer does with each batch (filter, project, limit, probe…, ending in feeding a
//! cursor, emitting, or writing).
//!
//! Pipeline breakers (sort, top-k, aggregate, the build side of a join) feed a cursor
//! in their input's loop, `Seal` it, then loop over it with `Next`. A union emits both
//! inputs' loops with the same steps; limit and distinct steps share their cursor
//! across both, so `take 5` after a union still takes 5 in all.

use super::builder::{Builder, Label};
use crate::bytecode::{AggSpec, CursorKind, ExprId, Insn, JoinKind, KeyRange, Reg, SortKey};
use crate::bytecode::{Bound, Col, Cur, TableRef};
use crate::plan::{Plan, PlanSchema, Scalar, SortSpec};

/// What happens to each batch. Expressions and schemas are borrowed from the plan
/// being emitted (`'p`), so passing steps down the tree copies no plan parts.
#[derive(Debug, Clone)]
pub(crate) enum Step<'p> {
    Filter(&'p Scalar),
    Project(&'p [Scalar], &'p PlanSchema),
    Limit(Cur, Label),
    Distinct(Cur),
    Probe(Cur, &'p [Scalar], &'p PlanSchema),
    Feed(Cur),
    Emit,
    Insert {
        table: TableRef,
        columns: Vec<Col>,
        upsert: bool,
    },
    Update {
        table: TableRef,
        set: Vec<Col>,
    },
    Delete {
        table: TableRef,
    },
}

impl Builder {
    fn sort_keys(&mut self, keys: &[SortSpec]) -> Vec<SortKey> {
        keys.iter()
            .map(|k| SortKey {
                expr: self.expr(&k.expr),
                descending: k.descending,
                nulls_first: k.nulls_first,
            })
            .collect()
    }

    fn opt_expr(&mut self, e: &Option<Scalar>) -> Option<ExprId> {
        e.as_ref().map(|e| self.expr(e))
    }

    /// Applies `steps` to the batch in `reg` with schema `schema`.
    fn apply<'s>(&mut self, mut reg: Reg, mut schema: &'s PlanSchema, steps: &'s [Step<'s>]) {
        for step in steps {
            match step {
                Step::Filter(p) => {
                    let predicate = self.expr(p);
                    let dest = self.reg(schema);
                    self.push(Insn::Filter {
                        src: reg,
                        predicate,
                        dest,
                    });
                    reg = dest;
                }
                Step::Project(exprs, out) => {
                    let exprs = exprs.iter().map(|e| self.expr(e)).collect();
                    let dest = self.reg(out);
                    self.push(Insn::Project {
                        src: reg,
                        exprs,
                        dest,
                    });
                    reg = dest;
                    schema = out;
                }
                Step::Limit(cursor, done) => {
                    let dest = self.reg(schema);
                    self.push_jump(
                        Insn::Limit {
                            cursor: *cursor,
                            src: reg,
                            dest,
                            done: Builder::unplaced(),
                        },
                        *done,
                    );
                    reg = dest;
                }
                Step::Distinct(cursor) => {
                    let dest = self.reg(schema);
                    self.push(Insn::Distinct {
                        cursor: *cursor,
                        src: reg,
                        dest,
                    });
                    reg = dest;
                }
                Step::Probe(cursor, keys, out) => {
                    let keys = keys.iter().map(|k| self.expr(k)).collect();
                    let dest = self.reg(out);
                    self.push(Insn::Probe {
                        cursor: *cursor,
                        src: reg,
                        keys,
                        dest,
                    });
                    reg = dest;
                    schema = out;
                }
                Step::Feed(cursor) => {
                    self.push(Insn::Feed {
                        cursor: *cursor,
                        src: reg,
                    });
                }
                Step::Emit => {
                    self.push(Insn::Emit { src: reg });
                }
                Step::Insert {
                    table,
                    columns,
                    upsert,
                } => {
                    let insn = if *upsert {
                        Insn::Upsert {
                            table: *table,
                            src: reg,
                            columns: columns.clone(),
                        }
                    } else {
                        Insn::Insert {
                            table: *table,
                            src: reg,
                            columns: columns.clone(),
                        }
                    };
                    self.push(insn);
                }
                Step::Update { table, set } => {
                    self.push(Insn::Update {
                        table: *table,
                        src: reg,
                        set: set.clone(),
                    });
                }
                Step::Delete { table } => {
                    self.push(Insn::Delete {
                        table: *table,
                        src: reg,
                    });
                }
            }
        }
    }

    /// `loop: Next cursor → r (done → end); steps; Goto loop; end:`
    fn read_loop(&mut self, cursor: Cur, schema: &PlanSchema, steps: &[Step<'_>]) {
        let end = self.label();
        let top = self.here();
        let dest = self.reg(schema);
        self.push_jump(
            Insn::Next {
                cursor,
                dest,
                done: Builder::unplaced(),
            },
            end,
        );
        self.apply(dest, schema, steps);
        self.push(Insn::Goto { target: top });
        self.place(end);
    }

    fn with_step<'p>(step: Step<'p>, steps: &[Step<'p>]) -> Vec<Step<'p>> {
        let mut v = Vec::with_capacity(steps.len() + 1);
        v.push(step);
        v.extend_from_slice(steps);
        v
    }

    /// Emits the code that runs `plan` and applies `steps` to each of its batches.
    pub(crate) fn produce<'p>(&mut self, plan: &'p Plan, steps: &[Step<'p>]) {
        match plan {
            Plan::Scan {
                table,
                columns,
                schema,
                filter,
                range,
                ..
            } => {
                let cursor = self.cursor(CursorKind::Scan, schema, schema);
                let table = self.table(table);
                let filter = self.opt_expr(filter);
                let range = Box::new(match range {
                    None => KeyRange::default(),
                    Some(range) => KeyRange {
                        eq: range.eq.iter().map(|e| self.expr(e)).collect(),
                        lower: range.lower.as_ref().map(|(e, inclusive)| Bound {
                            expr: self.expr(e),
                            inclusive: *inclusive,
                        }),
                        upper: range.upper.as_ref().map(|(e, inclusive)| Bound {
                            expr: self.expr(e),
                            inclusive: *inclusive,
                        }),
                    },
                });
                let columns = columns.iter().map(|c| Col(*c)).collect();
                self.push(Insn::OpenScan {
                    cursor,
                    table,
                    columns,
                    filter,
                    range,
                });
                self.read_loop(cursor, schema, steps);
            }
            Plan::Seek {
                table,
                columns,
                schema,
                key,
            } => {
                let table = self.table(table);
                let key = key.iter().map(|k| self.expr(k)).collect();
                let dest = self.reg(schema);
                let columns = columns.iter().map(|c| Col(*c)).collect();
                self.push(Insn::SeekKey {
                    table,
                    key,
                    columns,
                    dest,
                });
                self.apply(dest, schema, steps);
            }
            Plan::Values { schema, rows } => {
                let cells = rows.iter().flatten().map(|c| self.expr(c)).collect();
                let dest = self.reg(schema);
                self.push(Insn::Values {
                    dest,
                    rows: rows.len() as u32,
                    cells,
                });
                self.apply(dest, schema, steps);
            }
            Plan::Subscribe {
                table,
                columns,
                schema,
                filter,
                last,
            } => {
                let input: PlanSchema = schema[..schema.len() - 1].to_vec();
                let cursor = self.cursor(CursorKind::Subscription, &input, schema);
                let table = self.table(table);
                let filter = self.opt_expr(filter);
                let columns = columns.iter().map(|c| Col(*c)).collect();
                self.push(Insn::OpenSubscription {
                    cursor,
                    table,
                    columns,
                    filter,
                    last: *last,
                });
                self.read_loop(cursor, schema, steps);
            }
            Plan::Filter { input, predicate } => {
                self.produce(input, &Self::with_step(Step::Filter(predicate), steps))
            }
            Plan::Project {
                input,
                exprs,
                schema,
            } => self.produce(input, &Self::with_step(Step::Project(exprs, schema), steps)),
            Plan::Limit {
                input,
                limit,
                offset,
            } => {
                let cursor = self.cursor(CursorKind::Limit, &[], &[]);
                let (limit, offset) = (self.opt_expr(limit), self.opt_expr(offset));
                self.push(Insn::OpenLimit {
                    cursor,
                    limit,
                    offset,
                });
                let end = self.label();
                self.produce(input, &Self::with_step(Step::Limit(cursor, end), steps));
                self.place(end);
            }
            Plan::Distinct { input } => {
                let cursor = self.cursor(CursorKind::Distinct, input.schema(), input.schema());
                self.push(Insn::OpenDistinct { cursor });
                self.produce(input, &Self::with_step(Step::Distinct(cursor), steps));
            }
            Plan::Sort { input, keys } => {
                let schema = input.schema();
                let cursor = self.cursor(CursorKind::Sort, schema, schema);
                let keys = self.sort_keys(keys);
                self.push(Insn::OpenSort { cursor, keys });
                self.produce(input, &[Step::Feed(cursor)]);
                self.push(Insn::Seal { cursor });
                self.read_loop(cursor, schema, steps);
            }
            Plan::TopK {
                input,
                keys,
                limit,
                offset,
            } => {
                let schema = input.schema();
                let cursor = self.cursor(CursorKind::TopK, schema, schema);
                let keys = self.sort_keys(keys);
                let limit = self.expr(limit);
                let offset = self.opt_expr(offset);
                self.push(Insn::OpenTopK {
                    cursor,
                    keys,
                    limit,
                    offset,
                });
                self.produce(input, &[Step::Feed(cursor)]);
                self.push(Insn::Seal { cursor });
                self.read_loop(cursor, schema, steps);
            }
            Plan::Aggregate {
                input,
                keys,
                aggs,
                schema,
            } => {
                let cursor = self.cursor(CursorKind::Aggregate, input.schema(), schema);
                let keys = keys.iter().map(|k| self.expr(k)).collect();
                let aggs = aggs
                    .iter()
                    .map(|(func, arg)| AggSpec {
                        func: *func,
                        arg: self.opt_expr(arg),
                    })
                    .collect();
                self.push(Insn::OpenAggregate { cursor, keys, aggs });
                self.produce(input, &[Step::Feed(cursor)]);
                self.push(Insn::Seal { cursor });
                self.read_loop(cursor, schema, steps);
            }
            Plan::Join {
                left,
                right,
                kind,
                keys,
                schema,
            } => {
                let cursor = self.cursor(CursorKind::HashJoin, right.schema(), schema);
                let build = keys.right.iter().map(|k| self.expr(k)).collect();
                self.push(Insn::OpenHashJoin {
                    cursor,
                    kind: *kind,
                    keys: build,
                });
                self.produce(right, &[Step::Feed(cursor)]);
                self.push(Insn::Seal { cursor });
                self.produce(
                    left,
                    &Self::with_step(Step::Probe(cursor, &keys.left, schema), steps),
                );
                if matches!(kind, JoinKind::Right | JoinKind::Full) {
                    self.read_loop(cursor, schema, steps);
                }
            }
            Plan::Union { left, right } => {
                self.produce(left, steps);
                self.produce(right, steps);
            }
        }
    }
}

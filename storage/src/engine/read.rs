//! Committed reads that are not scans: resolving (table, owner) to a partition, point
//! lookups (hot first, then cold segments newest first, each checked by key range,
//! bloom filter and page index, see `cold::lookup`), and turning a found version into a
//! record batch.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Schema;

use super::handle::Inner;
use super::open::HOT_CF;
use super::txn::HotObs;
use crate::catalog::{CatalogSnapshot, ColumnId, TableDef, TableId, TableKind, UserId};
use crate::cold::PartitionId;
use crate::cold::lookup::Wanted;
use crate::cold::partition::Partition;
use crate::encoding::column::ColumnBuilder;
use crate::encoding::row::RowDecoder;
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::types::{DataType, ScalarValue};

/// The newest committed version of a key.
pub(crate) enum LookupHit {
    Hot {
        tombstone: bool,
        row: Vec<u8>,
    },
    Cold {
        deleted: bool,
        /// One value per [`GetPlan::wanted`] column (`None`: the segment predates it).
        values: Vec<Option<ArrayRef>>,
    },
    Absent,
}

/// What a point get returns and where each column comes from: primary-key columns
/// from the key asked for (a cold lookup does not read them), the others from the
/// version found.
pub(crate) struct GetPlan {
    pub cols: Vec<ColumnId>,
    /// Per `cols` entry: the key value, for primary-key columns.
    pub known: Vec<Option<ScalarValue>>,
    /// Columns a cold lookup reads, in `cols` order.
    pub wanted: Vec<Wanted>,
}

impl GetPlan {
    pub(crate) fn new(
        def: &TableDef,
        projection: Option<&[ColumnId]>,
        key: &[ScalarValue],
    ) -> Result<GetPlan> {
        let cols = projection_of(def, projection)?;
        let mut known = Vec::with_capacity(cols.len());
        let mut wanted = Vec::with_capacity(cols.len());
        for id in &cols {
            let c = def.column(*id).expect("checked");
            let k = def.primary_key.iter().position(|p| p == id);
            match k.and_then(|i| key.get(i)) {
                Some(v) => known.push(Some(v.coerce_to(&c.data_type)?)),
                None => {
                    known.push(None);
                    wanted.push((id.0, c.data_type));
                }
            }
        }
        Ok(GetPlan {
            cols,
            known,
            wanted,
        })
    }
}

impl Inner {
    /// Checks the table exists and that `owner` fits its kind (and exists).
    pub(crate) fn resolve(
        &self,
        table: TableId,
        owner: Option<UserId>,
    ) -> Result<(Arc<TableDef>, PartitionId)> {
        Self::resolve_in(&self.catalog.snapshot(), table, owner)
    }

    /// [`Inner::resolve`] in one catalog snapshot.
    pub(crate) fn resolve_in(
        cat: &CatalogSnapshot,
        table: TableId,
        owner: Option<UserId>,
    ) -> Result<(Arc<TableDef>, PartitionId)> {
        let def = cat
            .table(table)
            .cloned()
            .ok_or_else(|| StorageError::UnknownTable(table.to_string()))?;
        match (def.kind, owner) {
            (TableKind::User, None) => {
                return Err(StorageError::OwnerMismatch(format!(
                    "{} is a user table: every call names the owning user",
                    def.qualified_name()
                )));
            }
            (TableKind::User, Some(u)) => {
                if cat.user(u).is_none() {
                    return Err(StorageError::UnknownUser(u.to_string()));
                }
            }
            (_, Some(_)) => {
                return Err(StorageError::OwnerMismatch(format!(
                    "{} is not a user table: calls must not name an owner",
                    def.qualified_name()
                )));
            }
            (_, None) => {}
        }
        Ok((def, PartitionId { table, owner }))
    }

    pub(crate) fn partition(&self, id: PartitionId) -> Arc<Partition> {
        self.partitions.get_or_create(&self.dir, id)
    }

    /// The manifest version of a partition (0 before its first flush).
    pub(crate) fn manifest_version(&self, id: PartitionId) -> u64 {
        self.partitions
            .get(id)
            .map(|p| p.view().manifest.version)
            .unwrap_or(0)
    }

    /// Whether the partition holds no key at all in `[lo, hi]` (both inclusive): no
    /// hot version in the range (one iterator seek) and no cold segment. A `true` is
    /// final only while the commit lock is held (no commit or flush in between).
    pub(crate) fn range_is_empty(&self, part: PartitionId, lo: &[u8], hi: &[u8]) -> Result<bool> {
        let _g = self.view_lock.read().expect("view lock");
        if !self.partition(part).view().segments.is_empty() {
            return Ok(false);
        }
        self.hot_range_is_empty(lo, hi)
    }

    /// What the hot tier holds for `key` now, with the partition's manifest version.
    pub(crate) fn hot_observation(&self, part: PartitionId, key: &[u8]) -> Result<(HotObs, u64)> {
        let _g = self.view_lock.read().expect("view lock");
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        let obs = match self.db.get_pinned_cf(cf, key)? {
            None => HotObs::Missing,
            Some(v) => HotObs::Present(value::decode(&v)?.seq),
        };
        Ok((obs, self.manifest_version(part)))
    }

    /// The newest committed version of `key`: hot first, then the cold segments of the
    /// same view, newest first.
    pub(crate) fn lookup_committed(
        &self,
        part: PartitionId,
        key: &[u8],
        wanted: &[Wanted],
    ) -> Result<(HotObs, u64, LookupHit)> {
        let partition = self.partition(part);
        let (hot, view) = {
            let _g = self.view_lock.read().expect("view lock");
            let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
            let hot = self.db.get_pinned_cf_opt(cf, key, &self.get_options)?;
            (hot, partition.view())
        };
        if let Some(v) = hot {
            let hv = value::decode(&v)?;
            return Ok((
                HotObs::Present(hv.seq),
                view.manifest.version,
                LookupHit::Hot {
                    tombstone: hv.tombstone,
                    row: hv.row.to_vec(),
                },
            ));
        }
        for seg in view.segments.iter().rev() {
            if let Some(found) = seg.lookup(key, wanted)? {
                return Ok((
                    HotObs::Missing,
                    view.manifest.version,
                    LookupHit::Cold {
                        deleted: found.deleted,
                        values: found.values,
                    },
                ));
            }
        }
        Ok((HotObs::Missing, view.manifest.version, LookupHit::Absent))
    }

    /// Whether a live committed version of each key exists, with what the hot tier
    /// held for it, from one hot multi-get and, for keys not hot, the cold segments.
    /// `sorted`: the keys are in ascending order (RocksDB then skips sorting them).
    pub(crate) fn exists_many(
        &self,
        part: PartitionId,
        keys: &[&[u8]],
        sorted: bool,
    ) -> Result<(u64, Vec<(HotObs, bool)>)> {
        let partition = self.partition(part);
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        let (hot, view) = {
            let _g = self.view_lock.read().expect("view lock");
            let hot = self
                .db
                .batched_multi_get_cf(cf, keys.iter().copied(), sorted);
            (hot, partition.view())
        };
        let mut out = Vec::with_capacity(keys.len());
        for (k, h) in keys.iter().zip(hot) {
            match h? {
                Some(v) => {
                    let hv = value::decode(&v)?;
                    out.push((HotObs::Present(hv.seq), !hv.tombstone));
                }
                None => {
                    let mut live = false;
                    for seg in view.segments.iter().rev() {
                        if let Some(found) = seg.lookup(k, &[])? {
                            live = !found.deleted;
                            break;
                        }
                    }
                    out.push((HotObs::Missing, live));
                }
            }
        }
        Ok((view.manifest.version, out))
    }

    fn schema_of(def: &TableDef, cols: &[ColumnId]) -> Arc<Schema> {
        Arc::new(Schema::new(
            cols.iter()
                .map(|id| {
                    let c = def.column(*id).expect("checked");
                    c.data_type.to_field(&c.name, c.nullable)
                })
                .collect::<Vec<_>>(),
        ))
    }

    /// A one-row batch of columns `cols` from a hot row.
    pub(crate) fn hot_row_batch(
        &self,
        def: &TableDef,
        cols: &[ColumnId],
        row: &[u8],
    ) -> Result<RecordBatch> {
        // Each column decoded once, even when `cols` repeats one.
        let mut unique: Vec<ColumnId> = Vec::with_capacity(cols.len());
        let slots: Vec<usize> = cols
            .iter()
            .map(|id| match unique.iter().position(|u| u == id) {
                Some(s) => s,
                None => {
                    unique.push(*id);
                    unique.len() - 1
                }
            })
            .collect();
        let mut builders: Vec<ColumnBuilder> = unique
            .iter()
            .map(|id| ColumnBuilder::new(&def.column(*id).expect("checked").data_type, 1))
            .collect();
        RowDecoder::new(def, &unique).decode(row, &mut builders)?;
        let decoded: Vec<ArrayRef> = builders.into_iter().map(|b| b.finish()).collect();
        let arrays: Vec<ArrayRef> = slots.iter().map(|s| decoded[*s].clone()).collect();
        Ok(RecordBatch::try_new_with_options(
            Self::schema_of(def, cols),
            arrays,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(1)),
        )?)
    }

    /// The batch for a lookup result (`None` for absent or deleted).
    pub(crate) fn hit_to_batch(
        &self,
        def: &TableDef,
        plan: &GetPlan,
        hit: LookupHit,
    ) -> Result<Option<RecordBatch>> {
        match hit {
            LookupHit::Absent
            | LookupHit::Hot {
                tombstone: true, ..
            }
            | LookupHit::Cold { deleted: true, .. } => Ok(None),
            LookupHit::Hot { row, .. } => self.hot_row_batch(def, &plan.cols, &row).map(Some),
            LookupHit::Cold { values, .. } => {
                let mut values = values.into_iter();
                let mut arrays = Vec::with_capacity(plan.cols.len());
                for (id, known) in plan.cols.iter().zip(&plan.known) {
                    let c = def.column(*id).expect("checked");
                    let a = match known {
                        Some(v) => v.to_array(&c.data_type, 1)?,
                        None => match values.next().flatten() {
                            Some(a) => a,
                            None => c.backfill.to_array(&c.data_type, 1)?,
                        },
                    };
                    arrays.push(a);
                }
                Ok(Some(RecordBatch::try_new_with_options(
                    Self::schema_of(def, &plan.cols),
                    arrays,
                    &arrow_array::RecordBatchOptions::new().with_row_count(Some(1)),
                )?))
            }
        }
    }
}

impl Inner {
    /// The values of a lookup result, one per [`GetPlan::cols`] entry (`None` for
    /// absent or deleted): what [`Inner::hit_to_batch`] answers, as scalars.
    pub(crate) fn hit_to_values(
        &self,
        def: &TableDef,
        plan: &GetPlan,
        hit: LookupHit,
    ) -> Result<Option<Vec<ScalarValue>>> {
        let type_of = |id: &ColumnId| def.column(*id).expect("checked").data_type;
        match hit {
            LookupHit::Absent
            | LookupHit::Hot {
                tombstone: true, ..
            }
            | LookupHit::Cold { deleted: true, .. } => Ok(None),
            LookupHit::Hot { row, .. } => {
                let repeats = plan
                    .cols
                    .iter()
                    .enumerate()
                    .any(|(i, id)| plan.cols[..i].contains(id));
                if !repeats {
                    let types: Vec<DataType> = plan.cols.iter().map(type_of).collect();
                    let decoded = RowDecoder::new(def, &plan.cols).decode_scalars(&row, &types)?;
                    return Ok(Some(decoded));
                }
                // Each column decoded once, even when `cols` repeats one.
                let mut unique: Vec<ColumnId> = Vec::with_capacity(plan.cols.len());
                let mut slots = Vec::with_capacity(plan.cols.len());
                for id in &plan.cols {
                    slots.push(match unique.iter().position(|u| u == id) {
                        Some(s) => s,
                        None => {
                            unique.push(*id);
                            unique.len() - 1
                        }
                    });
                }
                let types: Vec<DataType> = unique.iter().map(type_of).collect();
                let decoded = RowDecoder::new(def, &unique).decode_scalars(&row, &types)?;
                if unique.len() == plan.cols.len() {
                    return Ok(Some(decoded));
                }
                Ok(Some(slots.iter().map(|s| decoded[*s].clone()).collect()))
            }
            LookupHit::Cold { values, .. } => {
                let mut values = values.into_iter();
                let mut out = Vec::with_capacity(plan.cols.len());
                for (id, known) in plan.cols.iter().zip(&plan.known) {
                    let c = def.column(*id).expect("checked");
                    out.push(match known {
                        Some(v) => v.clone(),
                        None => match values.next().flatten() {
                            Some(a) => ScalarValue::from_array(a.as_ref(), 0, &c.data_type)?,
                            None => c.backfill.coerce_to(&c.data_type)?,
                        },
                    });
                }
                Ok(Some(out))
            }
        }
    }
}

/// Renders the key of row `row` of an input batch for error messages.
pub(crate) fn describe_row_key(def: &TableDef, batch: &RecordBatch, row: usize) -> String {
    if def.has_hidden_key() {
        return format!("(row {row})");
    }
    let values: Vec<ScalarValue> = def
        .primary_key
        .iter()
        .map(|id| {
            let i = def.column_index(*id).expect("key columns exist");
            ScalarValue::from_array(batch.column(i).as_ref(), row, &def.columns[i].data_type)
                .unwrap_or(ScalarValue::Null)
        })
        .collect();
    crate::encoding::key::describe(&values)
}

/// The projection's column ids (all current columns for `None`), each checked to exist.
pub(crate) fn projection_of(
    def: &TableDef,
    projection: Option<&[ColumnId]>,
) -> Result<Vec<ColumnId>> {
    match projection {
        None => Ok(def.columns.iter().map(|c| c.id).collect()),
        Some(p) => {
            for id in p {
                if def.column(*id).is_none() {
                    return Err(StorageError::UnknownColumn {
                        table: def.qualified_name(),
                        column: format!("id {}", id.0),
                    });
                }
            }
            Ok(p.to_vec())
        }
    }
}

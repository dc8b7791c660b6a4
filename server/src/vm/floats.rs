//! Floats as comparisons, keys and sort orders see them. Arrow's comparison kernels
//! and `arrow-row` order floats by IEEE total order, where `-0.0 < 0.0` and NaNs
//! differ by sign and payload (a negative NaN sorts below `-inf`). KQL follows
//! PostgreSQL instead: `-0.0` equals `0.0`, and every NaN equals every NaN and is
//! greater than every number. [`canonical`] maps `-0.0` to `0.0` and every NaN to
//! the one positive quiet NaN, after which total order is exactly that order; the VM
//! applies it where floats enter a comparison, a hash or sort key, `distinct` or
//! `count_distinct` (the rows themselves keep their values).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType as Arrow;

/// `-0.0` → `0.0`, any NaN → `f64::NAN`.
pub fn canon64(v: f64) -> f64 {
    if v.is_nan() { f64::NAN } else { v + 0.0 }
}

/// `-0.0` → `0.0`, any NaN → `f32::NAN`.
pub fn canon32(v: f32) -> f32 {
    if v.is_nan() { f32::NAN } else { v + 0.0 }
}

/// NaN only: any NaN → the positive quiet NaN, `-0.0` kept (for `min`/`max`, which
/// then return a zero as it was stored).
fn nan64(v: f64) -> f64 {
    if v.is_nan() { f64::NAN } else { v }
}

fn nan32(v: f32) -> f32 {
    if v.is_nan() { f32::NAN } else { v }
}

fn map(a: &ArrayRef, f64f: fn(f64) -> f64, f32f: fn(f32) -> f32) -> ArrayRef {
    match a.data_type() {
        Arrow::Float64 => {
            let p = a.as_primitive::<Float64Type>();
            if p.values().iter().all(|v| v.to_bits() == f64f(*v).to_bits()) {
                return a.clone();
            }
            Arc::new(p.unary::<_, Float64Type>(f64f))
        }
        Arrow::Float32 => {
            let p = a.as_primitive::<Float32Type>();
            if p.values().iter().all(|v| v.to_bits() == f32f(*v).to_bits()) {
                return a.clone();
            }
            Arc::new(p.unary::<_, Float32Type>(f32f))
        }
        _ => a.clone(),
    }
}

/// `a` with its floats canonical (see the module summary); any other array as it is.
pub fn canonical(a: &ArrayRef) -> ArrayRef {
    map(a, canon64, canon32)
}

/// [`canonical`] of every array.
pub fn canonical_all(arrays: Vec<ArrayRef>) -> Vec<ArrayRef> {
    arrays.iter().map(canonical).collect()
}

/// `a` with every NaN the positive quiet NaN and zeros as they are.
pub fn canonical_nan(a: &ArrayRef) -> ArrayRef {
    map(a, nan64, nan32)
}

/// Whether `a` holds floats (whose comparisons need [`canonical`]).
pub fn is_float(a: &dyn Array) -> bool {
    matches!(a.data_type(), Arrow::Float32 | Arrow::Float64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Float64Array;

    #[test]
    fn zeros_and_nans_become_one_value() {
        let neg_nan = f64::from_bits(f64::NAN.to_bits() | (1 << 63));
        let a: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(-0.0),
            Some(neg_nan),
            None,
            Some(-1.5),
        ]));
        let c = canonical(&a);
        let c = c.as_primitive::<Float64Type>();
        assert_eq!(c.value(0).to_bits(), 0.0f64.to_bits());
        assert_eq!(c.value(1).to_bits(), f64::NAN.to_bits());
        assert!(c.is_null(2));
        assert_eq!(c.value(3), -1.5);
        let n = canonical_nan(&a);
        let n = n.as_primitive::<Float64Type>();
        assert_eq!(n.value(0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(n.value(1).to_bits(), f64::NAN.to_bits());
        // Already canonical: the same array back.
        let plain: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 0.0, f64::NAN]));
        assert!(Arc::ptr_eq(&plain, &canonical(&plain)));
    }
}

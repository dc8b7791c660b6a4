//! The tiered storage engine.

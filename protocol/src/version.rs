//! Version negotiation. The client sends the inclusive range of protocol versions it
//! speaks; the server picks the highest version in both ranges or refuses with
//! `P004`. Feature bits are optional behaviour inside a version: the server answers
//! with the intersection of what was asked and what it has.

/// The protocol version this build speaks best.
pub const PROTOCOL_VERSION: u16 = 1;
/// The oldest protocol version this build still speaks.
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// Feature: one-row answers in a compact frame instead of an Arrow IPC stream.
pub const FEATURE_COMPACT_ROWS: u64 = 1 << 0;
/// Feature: live queries (`Subscribe`, `Change`).
pub const FEATURE_SUBSCRIPTIONS: u64 = 1 << 1;
/// Feature: the plan cache (a repeated plan skips decode and verification).
pub const FEATURE_PLAN_CACHE: u64 = 1 << 2;
/// Feature: bulk load (`Load`: rows as an Arrow IPC batch, written in one transaction).
pub const FEATURE_LOAD: u64 = 1 << 3;

/// The highest version in both `[client_min, client_max]` and the range this build
/// speaks.
pub fn negotiate(client_min: u16, client_max: u16) -> Option<u16> {
    let hi = client_max.min(PROTOCOL_VERSION);
    let lo = client_min.max(MIN_PROTOCOL_VERSION);
    (lo <= hi).then_some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_highest_common_version() {
        assert_eq!(negotiate(1, 1), Some(1));
        assert_eq!(negotiate(1, 9), Some(PROTOCOL_VERSION));
        assert_eq!(negotiate(PROTOCOL_VERSION + 1, PROTOCOL_VERSION + 5), None);
        assert_eq!(negotiate(0, 0), None);
        assert_eq!(negotiate(3, 2), None);
    }
}

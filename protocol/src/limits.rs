//! Per-field limits every decoder enforces, on top of the frame size. They are part
//! of the protocol: `docs/protocol.md` lists them.

/// User names, client and server names, error codes, serial numbers.
pub const MAX_NAME_BYTES: usize = 256;
/// Query text (KQL or SQL).
pub const MAX_QUERY_BYTES: usize = 1024 * 1024;
/// Error and goodbye messages.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A certificate signing request (DER), or a certificate in PEM.
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// Parameters of one execute, query or subscribe request.
pub const MAX_PARAMS: usize = 4096;
/// Addresses and ranges in one allow-list or certificate binding.
pub const MAX_ADDRESSES: usize = 256;
/// Entries in one listing answer (users, certificates, revoked serials).
pub const MAX_LIST_ENTRIES: usize = 1_000_000;
/// Most days a certificate may be valid for.
pub const MAX_VALID_DAYS: u32 = 3650;
/// Rows in one `Load` request (the frame size bounds its bytes).
pub const MAX_LOAD_ROWS: usize = 100_000;
/// `Load` requests a session may have queued or running at once; one more is `P014`.
pub const MAX_LOADS_IN_FLIGHT: usize = 8;

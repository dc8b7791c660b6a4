//! Stable error codes a client can match on, for the two layers that meet on the wire
//! before any query runs: `P` (protocol and sessions) and `A` (authentication and
//! authorisation). The codes never change meaning; new ones are added at the end.
//! `docs/protocol.md` and `docs/security.md` list them, and a test checks that they do.

/// A frame's length prefix is larger than the negotiated maximum frame size.
pub const FRAME_TOO_LARGE: &str = "P001";
/// A message's bytes do not decode: truncated, a length over its limit, bad UTF-8,
/// an unknown enum tag or trailing bytes.
pub const MALFORMED_MESSAGE: &str = "P002";
/// The message type byte names no message of this protocol version.
pub const UNKNOWN_MESSAGE: &str = "P003";
/// The client's protocol version range and the server's do not overlap.
pub const UNSUPPORTED_VERSION: &str = "P004";
/// A message arrived in a state where it is not allowed (anything before `Hello`, a
/// second `Hello`, a server message sent by a client).
pub const UNEXPECTED_MESSAGE: &str = "P005";
/// The request is valid but this server does not implement it yet.
pub const NOT_SUPPORTED: &str = "P006";
/// The session sent nothing for longer than the idle timeout.
pub const IDLE_TIMEOUT: &str = "P007";
/// The server is shutting down.
pub const SHUTTING_DOWN: &str = "P008";
/// The request was cancelled by the client.
pub const CANCELLED: &str = "P009";
/// An admin request failed for a reason of its own (a user that already exists, a
/// CSR that does not parse, a serial that is not known); the message says which.
pub const ADMIN_REQUEST_FAILED: &str = "P010";
/// `ExecuteCached` named a plan the server does not hold (never sent, evicted from the
/// cache, or cached for another user); send it again with `Execute`.
pub const PLAN_NOT_CACHED: &str = "P011";
/// `Unsubscribe` named a subscription this session does not have (never started, or
/// already ended).
pub const UNKNOWN_SUBSCRIPTION: &str = "P012";
/// A `Load` batch does not fit its table: not one Arrow IPC stream, a column missing,
/// extra, misnamed or of another type, more rows than `MAX_LOAD_ROWS`, an unknown
/// table, or a load inside `begin … commit`. Nothing of it was written.
pub const LOAD_REFUSED: &str = "P013";
/// More `Load` requests queued than `MAX_LOADS_IN_FLIGHT`: wait for answers before
/// sending more. The refused batch was not written.
pub const TOO_MANY_LOADS: &str = "P014";

/// The certificate chains to our CA but no catalog record has its issuer and serial.
pub const CERTIFICATE_UNKNOWN: &str = "A001";
/// The certificate's subject CN is not the user its catalog record names.
pub const SUBJECT_MISMATCH: &str = "A002";
/// The user the certificate names does not exist (never created, or dropped).
pub const USER_UNKNOWN: &str = "A003";
/// The user exists but is disabled.
pub const USER_DISABLED: &str = "A004";
/// The peer address is not among the certificate's IP SANs and CIDR ranges.
pub const ADDRESS_NOT_IN_CERTIFICATE: &str = "A005";
/// The peer address is outside the user's own allow-list.
pub const ADDRESS_NOT_IN_ALLOW_LIST: &str = "A006";
/// The certificate binds no address and the server does not allow unbound certificates.
pub const CERTIFICATE_UNBOUND: &str = "A007";
/// The certificate was revoked (at connect time, or while the session was open).
pub const CERTIFICATE_REVOKED: &str = "A008";
/// The user's role may not make this request.
pub const PERMISSION_DENIED: &str = "A009";
/// The user was dropped or disabled while the session was open.
pub const USER_REMOVED: &str = "A010";

/// Every code with its one-line meaning, in order: the table the docs reproduce.
pub const ALL: &[(&str, &str)] = &[
    (FRAME_TOO_LARGE, "frame larger than the maximum frame size"),
    (MALFORMED_MESSAGE, "message does not decode"),
    (UNKNOWN_MESSAGE, "unknown message type"),
    (UNSUPPORTED_VERSION, "no common protocol version"),
    (UNEXPECTED_MESSAGE, "message not allowed in this state"),
    (NOT_SUPPORTED, "request not supported yet"),
    (IDLE_TIMEOUT, "idle timeout"),
    (SHUTTING_DOWN, "server shutting down"),
    (CANCELLED, "request cancelled"),
    (ADMIN_REQUEST_FAILED, "admin request failed"),
    (PLAN_NOT_CACHED, "plan not in the server's cache"),
    (UNKNOWN_SUBSCRIPTION, "no such subscription on this session"),
    (
        LOAD_REFUSED,
        "load batch does not fit its table; nothing written",
    ),
    (
        TOO_MANY_LOADS,
        "too many load batches in flight; nothing written",
    ),
    (CERTIFICATE_UNKNOWN, "certificate has no catalog record"),
    (
        SUBJECT_MISMATCH,
        "certificate subject does not match its record",
    ),
    (USER_UNKNOWN, "user does not exist"),
    (USER_DISABLED, "user is disabled"),
    (
        ADDRESS_NOT_IN_CERTIFICATE,
        "peer address not allowed by the certificate",
    ),
    (
        ADDRESS_NOT_IN_ALLOW_LIST,
        "peer address not in the user's allow-list",
    ),
    (CERTIFICATE_UNBOUND, "certificate binds no address"),
    (CERTIFICATE_REVOKED, "certificate revoked"),
    (PERMISSION_DENIED, "permission denied"),
    (USER_REMOVED, "user dropped or disabled during the session"),
];

#[cfg(test)]
mod tests {
    use super::ALL;

    #[test]
    fn codes_are_unique_and_documented() {
        let protocol = include_str!("../../docs/protocol.md");
        let security = include_str!("../../docs/security.md");
        for (i, (code, _)) in ALL.iter().enumerate() {
            assert!(ALL[..i].iter().all(|(c, _)| c != code), "{code} twice");
            assert!(
                protocol.contains(&format!("| `{code}` |")),
                "docs/protocol.md lacks {code}"
            );
            if code.starts_with('A') {
                assert!(
                    security.contains(&format!("`{code}`")),
                    "docs/security.md lacks {code}"
                );
            }
        }
    }
}

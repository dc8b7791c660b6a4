//! Authentication after the TLS handshake ([`authorize`] turns a verified certificate
//! and a peer address into an [`Identity`]) and the errors that refuse a peer or a
//! request ([`AuthError`], codes `A001`–`A010`).

mod error;
mod identity;

pub use error::AuthError;
pub use identity::{Identity, authorize};

//! The server's public-key infrastructure: the CA that signs every certificate
//! ([`Authority`]) and the careful file handling keys need ([`files`]).

mod authority;
pub mod files;

pub use authority::{
    Authority, Issued, RevokedEntry, canonical_serial, csr_pem_to_der, new_key_pair, pem_to_der,
    random_serial,
};

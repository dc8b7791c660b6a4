//! Client-side certificate work: making a key pair and a certificate signing request
//! (the private key is made here and never sent), writing them with safe permissions,
//! and describing a certificate for `kalavar cert show`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use kalavar_protocol::{CertSummary, IpNet};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, SanType,
};

/// A new key pair and a CSR naming `user` and, for information, `addresses` (the
/// issuing admin decides the real binding).
pub struct Request {
    pub key_pem: String,
    pub csr_der: Vec<u8>,
    pub csr_pem: String,
}

/// Makes an ECDSA P-256 key pair and a CSR for it.
pub fn make_request(user: &str, addresses: &[IpNet]) -> Result<Request, String> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("key generation: {e}"))?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, user);
    params.distinguished_name = dn;
    params.subject_alt_names = addresses
        .iter()
        .filter(|n| n.is_host())
        .map(|n| SanType::IpAddress(n.addr()))
        .collect();
    let csr = params
        .serialize_request(&key)
        .map_err(|e| format!("CSR: {e}"))?;
    Ok(Request {
        key_pem: key.serialize_pem(),
        csr_der: csr.der().to_vec(),
        csr_pem: csr.pem().map_err(|e| format!("CSR: {e}"))?,
    })
}

/// Creates `dir` 0700 if needed.
pub fn private_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("{}: {e}", dir.display()))
}

/// Writes a file with `mode`, refusing to overwrite an existing one.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), String> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.sync_all().map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads a certificate file, PEM or DER.
pub fn read_certificate(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateDer::from_pem_slice(&bytes)
            .map(|c| c.to_vec())
            .map_err(|e| format!("{}: no PEM certificate ({e})", path.display()))
    } else {
        Ok(bytes)
    }
}

/// Reads a CSR file, PEM or DER.
pub fn read_csr(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateSigningRequestDer::from_pem_slice(&bytes)
            .map(|c| c.as_ref().to_vec())
            .map_err(|e| format!("{}: no PEM certificate request ({e})", path.display()))
    } else {
        Ok(bytes)
    }
}

/// `2026-11-21T10:00:00Z` from seconds since the epoch.
pub fn utc(seconds: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("{seconds} (out of range)"),
    }
}

/// The text `kalavar cert show` prints.
pub fn describe(summary: &CertSummary) -> String {
    let addresses = if summary.addresses.is_empty() {
        "none (unbound)".to_owned()
    } else {
        summary
            .addresses
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut usage = Vec::new();
    if summary.is_ca {
        usage.push("CA");
    }
    if summary.client_auth {
        usage.push("client");
    }
    if summary.server_auth {
        usage.push("server");
    }
    format!(
        "user:       {}\nissuer:     {}\nserial:     {}\nvalid from: {}\nvalid to:   {}\naddresses:  {}\nusage:      {}\n",
        summary.user.as_deref().unwrap_or("(no common name)"),
        summary.issuer,
        summary.serial,
        utc(summary.not_before),
        utc(summary.not_after),
        addresses,
        if usage.is_empty() {
            "unspecified".to_owned()
        } else {
            usage.join(", ")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_user_and_a_verifiable_signature() {
        let addrs = kalavar_protocol::net::parse_list("10.0.0.5, 10.1.0.0/16").unwrap();
        let req = make_request("alice", &addrs).unwrap();
        assert!(req.key_pem.contains("PRIVATE KEY") && req.csr_pem.contains("CERTIFICATE REQUEST"));
        let parsed =
            rcgen::CertificateSigningRequestParams::from_der(&req.csr_der.clone().into()).unwrap();
        let cn = parsed
            .params
            .distinguished_name
            .get(&DnType::CommonName)
            .unwrap();
        assert!(format!("{cn:?}").contains("alice"), "{cn:?}");
        assert_eq!(
            parsed.params.subject_alt_names,
            vec![SanType::IpAddress("10.0.0.5".parse().unwrap())]
        );
    }

    #[test]
    fn times_print_as_utc() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn keys_are_written_0600_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key.pem");
        write_new(&p, b"k", 0o600).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(write_new(&p, b"again", 0o600).is_err());
    }
}

//! Certificates a hostile or careless client would present: signed by the real CA but
//! expired, not yet valid or unbound; signed by another CA with the same subject;
//! self-signed with the root user's subject; the CA's or the server's own certificate.
//! Each is made with rcgen directly from the files in the data directory, not through
//! the server's code, so the tests do not share the server's assumptions.

use std::sync::Arc;

use kalavar_server::paths::DataDir;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType, SerialNumber,
};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

/// A certificate chain and its key, as PEM.
pub struct Forged {
    pub cert_pem: String,
    pub key_pem: String,
}

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CA's subject, rebuilt field by field (O, then CN, as the server writes it).
pub fn ca_subject(data: &DataDir) -> DistinguishedName {
    let der = CertificateDer::from_pem_slice(read(data.ca_cert()).as_bytes()).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let mut dn = DistinguishedName::new();
    let org = cert
        .subject()
        .iter_organization()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    dn
}

fn client_params(
    user: &str,
    ips: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Kalavar");
    dn.push(DnType::CommonName, user);
    params.distinguished_name = dn;
    params.subject_alt_names = ips
        .iter()
        .map(|ip| SanType::IpAddress(ip.parse().unwrap()))
        .collect();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from(
        0x4000_0000_0000_0000u64 | u64::from(rand_u32()),
    ));
    params
}

fn rand_u32() -> u32 {
    let mut b = [0u8; 4];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut b)
        .unwrap();
    u32::from_be_bytes(b)
}

/// A client certificate signed by the server's real CA, with the given validity.
pub fn signed_by_real_ca(
    data: &DataDir,
    user: &str,
    ips: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Forged {
    let ca_key = KeyPair::from_pem(&read(data.ca_key())).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&read(data.ca_cert()), ca_key).unwrap();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = client_params(user, ips, not_before, not_after)
        .signed_by(&key, &issuer)
        .unwrap();
    Forged {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Expired yesterday.
pub fn expired(data: &DataDir, user: &str) -> Forged {
    let now = OffsetDateTime::now_utc();
    signed_by_real_ca(
        data,
        user,
        &["127.0.0.1"],
        now - Duration::days(10),
        now - Duration::days(1),
    )
}

/// Valid from tomorrow.
pub fn not_yet_valid(data: &DataDir, user: &str) -> Forged {
    let now = OffsetDateTime::now_utc();
    signed_by_real_ca(
        data,
        user,
        &["127.0.0.1"],
        now + Duration::days(1),
        now + Duration::days(10),
    )
}

/// A different CA whose subject is byte-for-byte the real CA's, and a client
/// certificate it signed for `user`.
pub fn other_ca_same_subject(data: &DataDir, user: &str) -> Forged {
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca = CertificateParams::default();
    ca.distinguished_name = ca_subject(data);
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - Duration::days(1);
    ca.not_after = now + Duration::days(10);
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = client_params(
        user,
        &["127.0.0.1"],
        now - Duration::days(1),
        now + Duration::days(1),
    )
    .signed_by(&key, &issuer)
    .unwrap();
    Forged {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// A self-signed certificate with the subject of `user`.
pub fn self_signed(user: &str) -> Forged {
    let now = OffsetDateTime::now_utc();
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = client_params(
        user,
        &["127.0.0.1"],
        now - Duration::days(1),
        now + Duration::days(1),
    )
    .self_signed(&key)
    .unwrap();
    Forged {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// The CA's own certificate and key.
pub fn ca_itself(data: &DataDir) -> Forged {
    Forged {
        cert_pem: read(data.ca_cert()),
        key_pem: read(data.ca_key()),
    }
}

/// The server's own certificate (serverAuth only) and key.
pub fn server_itself(data: &DataDir) -> Forged {
    Forged {
        cert_pem: read(data.server_cert()),
        key_pem: read(data.server_key()),
    }
}

/// A TLS 1.3 client configuration trusting the real CA and presenting `forged`.
pub fn client_config(data: &DataDir, forged: &Forged) -> Arc<ClientConfig> {
    presenting(data, forged, &rustls::version::TLS13)
}

/// A client configuration for one TLS version, trusting the real CA and presenting
/// `forged`.
fn presenting(
    data: &DataDir,
    forged: &Forged,
    version: &'static rustls::SupportedProtocolVersion,
) -> Arc<ClientConfig> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(forged.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(forged.key_pem.as_bytes()).unwrap();
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots(data))
            .with_client_auth_cert(chain, key)
            .unwrap(),
    )
}

/// The real CA as the only root.
pub fn roots(data: &DataDir) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(read(data.ca_cert()).as_bytes()).unwrap())
        .unwrap();
    roots
}

/// A client that presents no certificate.
pub fn no_client_cert(data: &DataDir) -> Arc<ClientConfig> {
    Arc::new(
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots(data))
            .with_no_client_auth(),
    )
}

/// A TLS 1.2-only client presenting `forged`.
pub fn tls12_only(data: &DataDir, forged: &Forged) -> Arc<ClientConfig> {
    presenting(data, forged, &rustls::version::TLS12)
}

//! The certificate authority: an ECDSA P-256 key and a self-signed CA certificate
//! made by `kalavard init`, which signs the server certificate, every client
//! certificate (from a CSR, so the client's private key never leaves the client) and
//! the CRL.
//!
//! A client certificate is shaped here and nowhere else: subject CN = user, single
//! addresses as IP SANs, ranges in the [`kalavar_protocol::cert_ext`] extension
//! (non-critical), EKU clientAuth only, key usage digitalSignature, a random 127-bit
//! serial, valid from one minute ago (clock skew) for the requested days.

use std::net::IpAddr;
use std::path::Path;

use kalavar_protocol::cert_ext;
use kalavar_protocol::certinfo::{CertSummary, serial_hex};
use kalavar_protocol::net::IpNet;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams,
    CertificateSigningRequestParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::CertificateSigningRequestDer;
use time::{Duration, OffsetDateTime};

use super::files::{read_text, write_public, write_secret};
use crate::error::ServerError;

/// A certificate just issued, with what the catalog records about it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub pem: String,
    pub summary: CertSummary,
}

/// A certificate to list in the CRL.
#[derive(Debug, Clone)]
pub struct RevokedEntry {
    /// Canonical hex serial.
    pub serial: String,
    /// Seconds since the Unix epoch.
    pub revoked_at: i64,
}

/// The CA: its certificate and the key that signs.
pub struct Authority {
    cert_der: Vec<u8>,
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
    /// The CA's subject name as DER: the issuer of everything it signs.
    subject_der: Vec<u8>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Sixteen random bytes with the top bit clear (a positive INTEGER) and the next bit
/// set (so no leading zero byte is ever stripped).
pub fn random_serial() -> Result<Vec<u8>, ServerError> {
    let mut bytes = vec![0u8; 16];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| ServerError::pki("the system random generator failed"))?;
    bytes[0] = 0x40 | (bytes[0] & 0x3f);
    Ok(bytes)
}

fn serial_bytes(hex: &str) -> Result<Vec<u8>, ServerError> {
    hex::decode(if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    })
    .map_err(|e| ServerError::pki(format!("serial `{hex}`: {e}")))
}

fn common_name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Kalavar");
    dn.push(DnType::CommonName, cn);
    dn
}

/// Makes a new key pair of the kind Kalavar uses everywhere (ECDSA P-256).
pub fn new_key_pair() -> Result<KeyPair, ServerError> {
    Ok(KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?)
}

impl Authority {
    /// Makes a new CA valid for ten years.
    pub fn create() -> Result<(Self, KeyPair), ServerError> {
        let key = new_key_pair()?;
        let serial = random_serial()?;
        let mut params = CertificateParams::default();
        params.distinguished_name =
            common_name(&format!("Kalavar CA {}", &hex::encode(&serial)[..12]));
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(3650);
        params.serial_number = Some(SerialNumber::from(serial));
        let cert = params.self_signed(&key)?;
        let key_copy = KeyPair::from_pem(&key.serialize_pem())?;
        let authority = Self::from_parts(cert.der().to_vec(), cert.pem(), key_copy)?;
        Ok((authority, key))
    }

    fn from_parts(cert_der: Vec<u8>, cert_pem: String, key: KeyPair) -> Result<Self, ServerError> {
        let summary = CertSummary::parse(&cert_der).map_err(ServerError::pki)?;
        let subject_der = {
            use x509_parser::prelude::FromDer;
            let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&cert_der)
                .map_err(|e| ServerError::pki(format!("CA certificate: {e}")))?;
            cert.subject().as_raw().to_vec()
        };
        if !summary.is_ca {
            return Err(ServerError::pki(
                "the CA certificate is not a CA (basicConstraints)",
            ));
        }
        let issuer = Issuer::from_ca_cert_der(&cert_der.clone().into(), key)?;
        Ok(Self {
            cert_der,
            cert_pem,
            issuer,
            subject_der,
        })
    }

    /// Writes `ca.crt` and `ca.key` (0600) into `dir`.
    pub fn save(&self, key: &KeyPair, dir: &Path) -> Result<(), ServerError> {
        write_secret(&dir.join("ca.key"), key.serialize_pem().as_bytes())?;
        write_public(&dir.join("ca.crt"), self.cert_pem.as_bytes())
    }

    /// Loads `ca.crt` and `ca.key` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, ServerError> {
        let cert_path = dir.join("ca.crt");
        let key_path = dir.join("ca.key");
        let cert_pem = read_text(&cert_path)?;
        let key = KeyPair::from_pem(&read_text(&key_path)?)
            .map_err(|e| ServerError::file(&key_path, format!("not a private key: {e}")))?;
        let der = pem_to_der(&cert_pem).map_err(|e| ServerError::file(&cert_path, e))?;
        Self::from_parts(der, cert_pem, key)
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA's subject as DER, which is the issuer of every certificate it signs.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// Issues the server certificate for the given DNS names and addresses.
    pub fn issue_server(
        &self,
        key: &KeyPair,
        names: &[String],
        ips: &[IpAddr],
        days: i64,
    ) -> Result<Issued, ServerError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name("kalavard");
        for name in names {
            let name = name
                .clone()
                .try_into()
                .map_err(|e| ServerError::Config(format!("host name `{name}`: {e}")))?;
            params.subject_alt_names.push(SanType::DnsName(name));
        }
        params
            .subject_alt_names
            .extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        self.sign(params, key, days)
    }

    fn sign(
        &self,
        mut params: CertificateParams,
        key: &KeyPair,
        days: i64,
    ) -> Result<Issued, ServerError> {
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(1);
        params.not_after = now + Duration::days(days);
        params.serial_number = Some(SerialNumber::from(random_serial()?));
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(key, &self.issuer)?;
        finish(cert.der().to_vec(), cert.pem())
    }

    /// Issues a client certificate for `user` over the public key of a CSR. Only the
    /// CSR's key is used (its signature is checked); its subject and extensions are
    /// ignored: the user and addresses come from the admin request.
    pub fn issue_client(
        &self,
        csr_der: &[u8],
        user: &str,
        addresses: &[IpNet],
        days: u32,
    ) -> Result<Issued, String> {
        let csr =
            CertificateSigningRequestParams::from_der(&CertificateSigningRequestDer::from(csr_der))
                .map_err(|e| format!("the CSR is not usable: {e}"))?;
        // A request made for another user (its common name) is refused: issuing it
        // would hand that user's key an identity it did not ask for.
        let asked = match csr
            .params
            .distinguished_name
            .get(&rcgen::DnType::CommonName)
        {
            Some(rcgen::DnValue::Utf8String(s)) => Some(s.as_str()),
            Some(rcgen::DnValue::PrintableString(s)) => Some(s.as_str()),
            Some(rcgen::DnValue::Ia5String(s)) => Some(s.as_str()),
            _ => None,
        };
        if let Some(cn) = asked
            && cn != user
        {
            return Err(format!(
                "the request was made for `{cn}` (its common name), not `{user}`: issue it for `{cn}`, or make a request for `{user}` (kalavar cert request --user {user})"
            ));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name(user);
        for net in addresses {
            if net.is_host() {
                params
                    .subject_alt_names
                    .push(SanType::IpAddress(net.addr()));
            }
        }
        let ranges: Vec<IpNet> = addresses.iter().filter(|n| !n.is_host()).copied().collect();
        if !ranges.is_empty() {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    cert_ext::OID,
                    cert_ext::encode(&ranges),
                ));
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::minutes(1);
        params.not_after = now + Duration::days(i64::from(days));
        params.serial_number = Some(SerialNumber::from(
            random_serial().map_err(|e| e.to_string())?,
        ));
        let request = CertificateSigningRequestParams {
            params,
            public_key: csr.public_key,
        };
        let cert = request.signed_by(&self.issuer).map_err(|e| e.to_string())?;
        finish(cert.der().to_vec(), cert.pem()).map_err(|e| e.to_string())
    }

    /// Signs a CRL listing `revoked`. The CRL number is the current time in
    /// milliseconds, so it grows with every CRL this CA signs.
    pub fn crl(&self, revoked: &[RevokedEntry]) -> Result<(Vec<u8>, String), ServerError> {
        let now = OffsetDateTime::now_utc();
        let mut revoked_certs = Vec::with_capacity(revoked.len());
        for entry in revoked {
            revoked_certs.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&serial_bytes(&entry.serial)?),
                revocation_time: OffsetDateTime::from_unix_timestamp(entry.revoked_at)
                    .map_err(|e| ServerError::pki(format!("revocation time: {e}")))?,
                reason_code: None,
                invalidity_date: None,
            });
        }
        let number = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        let params = CertificateRevocationListParams {
            this_update: now - Duration::minutes(1),
            next_update: now + Duration::days(3650),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer)?;
        Ok((crl.der().to_vec(), crl.pem()?))
    }
}

fn finish(der: Vec<u8>, pem: String) -> Result<Issued, ServerError> {
    let summary = CertSummary::parse(&der).map_err(ServerError::pki)?;
    Ok(Issued { der, pem, summary })
}

/// The DER of the first PEM block in `text`.
pub fn pem_to_der(text: &str) -> Result<Vec<u8>, String> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::from_pem_slice(text.as_bytes())
        .map(|c| c.to_vec())
        .map_err(|e| format!("no PEM certificate: {e}"))
}

/// The DER of the first `CERTIFICATE REQUEST` block in `text` (as `kalavar cert
/// request` writes `request.csr`).
pub fn csr_pem_to_der(text: &str) -> Result<Vec<u8>, String> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateSigningRequestDer::from_pem_slice(text.as_bytes())
        .map(|c| c.as_ref().to_vec())
        .map_err(|e| {
            format!("no PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----): {e}")
        })
}

/// Canonical serial of raw bytes (re-exported for callers that build serials).
pub fn canonical_serial(raw: &[u8]) -> String {
    serial_hex(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr_for(cn: &str) -> (KeyPair, Vec<u8>) {
        let key = new_key_pair().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = common_name(cn);
        let csr = params.serialize_request(&key).unwrap();
        (key, csr.der().to_vec())
    }

    #[test]
    fn client_certificates_carry_user_addresses_and_client_auth_only() {
        let (ca, _) = Authority::create().unwrap();
        let addrs = kalavar_protocol::net::parse_list("10.0.0.5, 10.0.1.0/24, ::1").unwrap();
        // A request made for another user is refused; one without a common name
        // takes the user's.
        let (_, csr) = csr_for("mallory");
        let e = ca.issue_client(&csr, "alice", &addrs, 90).unwrap_err();
        assert!(e.contains("made for `mallory`"), "{e}");
        let key = new_key_pair().unwrap();
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        let unnamed = params.serialize_request(&key).unwrap().der().to_vec();
        let issued = ca.issue_client(&unnamed, "alice", &addrs, 90).unwrap();
        assert_eq!(issued.summary.user.as_deref(), Some("alice"));
        let (_, csr) = csr_for("alice");
        let issued = ca.issue_client(&csr, "alice", &addrs, 90).unwrap();
        let s = issued.summary;
        assert_eq!(s.user.as_deref(), Some("alice"));
        let mut got: Vec<String> = s.addresses.iter().map(ToString::to_string).collect();
        got.sort();
        assert_eq!(got, ["10.0.0.5", "10.0.1.0/24", "::1"]);
        assert!(s.client_auth && !s.server_auth && !s.is_ca);
        assert_eq!(s.issuer_der, ca.subject_der());
        assert_eq!(s.serial.len(), 32);
        assert!((s.not_after - s.not_before - 90 * 86400 - 60).abs() < 5);
    }

    #[test]
    fn a_tampered_csr_is_refused() {
        let (ca, _) = Authority::create().unwrap();
        let (_, mut csr) = csr_for("alice");
        let last = csr.len() - 3;
        csr[last] ^= 0xff;
        assert!(ca.issue_client(&csr, "alice", &[], 1).is_err());
        assert!(
            ca.issue_client(b"garbage", "alice", &[], 1)
                .unwrap_err()
                .contains("CSR")
        );
    }

    #[test]
    fn saved_authorities_load_and_sign_crls() {
        let dir = tempfile::tempdir().unwrap();
        let (ca, key) = Authority::create().unwrap();
        ca.save(&key, dir.path()).unwrap();
        let loaded = Authority::load(dir.path()).unwrap();
        assert_eq!(loaded.cert_der(), ca.cert_der());
        let (der, pem) = loaded
            .crl(&[RevokedEntry {
                serial: "4a0b".into(),
                revoked_at: 1_700_000_000,
            }])
            .unwrap();
        assert!(!der.is_empty() && pem.contains("X509 CRL"));
    }
}

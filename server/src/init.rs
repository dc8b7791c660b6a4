//! `kalavard init`: a new data directory with a CA, a server certificate and the
//! `root` user, whose key pair and certificate are written as a client profile into
//! `DIR/profiles/root/` and, unless a profile already exists there, into the default
//! profile location `kalavar` reads.
//!
//! Also the start-up check that reissues the server certificate when it no longer
//! names every configured address and host name, or expires within 30 days.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use kalavar_protocol::profile;
use kalavar_protocol::{CertSummary, Role};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};

use crate::config::Config;
use crate::directory::{CertRecord, Directory, StorageDirectory, issuer_id};
use crate::error::ServerError;
use crate::paths::DataDir;
use crate::pki::files::{private_dir, read_text, write_public, write_secret};
use crate::pki::{Authority, new_key_pair, pem_to_der};

/// Days a server certificate is valid for.
pub const SERVER_CERT_DAYS: i64 = 825;
/// A server certificate closer than this to expiry is reissued at start-up.
pub const SERVER_CERT_RENEW_DAYS: i64 = 30;

/// What `init` made.
#[derive(Debug, Clone)]
pub struct InitReport {
    pub data_dir: PathBuf,
    pub root_profile: PathBuf,
    /// The default profile, when it was written.
    pub default_profile: Option<PathBuf>,
    /// The default profile location that already held a profile and was left alone.
    pub default_profile_kept: Option<PathBuf>,
}

/// Addresses the server certificate names for the listen addresses: each address,
/// or the loopback addresses for a wildcard.
pub fn server_ips(listen: &[SocketAddr]) -> Vec<IpAddr> {
    let mut ips = Vec::new();
    for addr in listen {
        let wanted: Vec<IpAddr> = if addr.ip().is_unspecified() {
            vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]
        } else {
            vec![addr.ip()]
        };
        for ip in wanted {
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
    }
    ips
}

/// The address a local client should dial for the first listen address.
pub fn client_address(listen: &[SocketAddr]) -> SocketAddr {
    let first = listen[0];
    match first.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), first.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), first.port())
        }
        _ => first,
    }
}

fn issue_server_cert(
    authority: &Authority,
    config: &Config,
    data: &DataDir,
) -> Result<(), ServerError> {
    let key = new_key_pair()?;
    let issued = authority.issue_server(
        &key,
        &config.server.host_names,
        &server_ips(&config.server.listen),
        SERVER_CERT_DAYS,
    )?;
    write_secret(&data.server_key(), key.serialize_pem().as_bytes())?;
    write_public(&data.server_cert(), issued.pem.as_bytes())
}

/// Reissues the server certificate if it misses a configured name or address or is
/// about to expire. Returns whether it did.
pub fn ensure_server_certificate(
    authority: &Authority,
    config: &Config,
    data: &DataDir,
) -> Result<bool, ServerError> {
    let path = data.server_cert();
    let der = pem_to_der(&read_text(&path)?).map_err(|e| ServerError::file(&path, e))?;
    let (_, cert) = {
        use x509_parser::prelude::FromDer;
        x509_parser::certificate::X509Certificate::from_der(&der)
            .map_err(|e| ServerError::file(&path, format!("not a certificate: {e}")))?
    };
    let mut names = Vec::new();
    let mut ips = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(n) => names.push(n.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => match b.len() {
                    4 => ips.push(IpAddr::from(<[u8; 4]>::try_from(*b).expect("4 bytes"))),
                    16 => ips.push(IpAddr::from(<[u8; 16]>::try_from(*b).expect("16 bytes"))),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expiring = cert.validity().not_after.timestamp() < now + SERVER_CERT_RENEW_DAYS * 86400;
    let missing = config.server.host_names.iter().any(|n| !names.contains(n))
        || server_ips(&config.server.listen)
            .iter()
            .any(|ip| !ips.contains(ip));
    if expiring || missing {
        issue_server_cert(authority, config, data)?;
        return Ok(true);
    }
    Ok(false)
}

/// Opens the storage engine of a data directory with the configured options.
pub fn open_engine(
    config: &Config,
    data: &DataDir,
) -> Result<kalavar_storage::Engine, ServerError> {
    kalavar_storage::Engine::open(data.storage(), config.engine_options())
        .map_err(|e| ServerError::Catalog(format!("{}: {e}", data.storage().display())))
}

/// Makes a key pair and a CSR for `user`, as `kalavar cert request` does on a client.
pub fn key_and_csr(user: &str) -> Result<(KeyPair, Vec<u8>), ServerError> {
    let key = new_key_pair()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, user);
    params.distinguished_name = dn;
    let csr = params.serialize_request(&key)?;
    Ok((key, csr.der().to_vec()))
}

/// Writes a client profile directory.
pub fn write_profile(
    dir: &Path,
    key_pem: &str,
    cert_pem: &str,
    ca_pem: &str,
    server: SocketAddr,
) -> Result<(), ServerError> {
    private_dir(dir)?;
    write_secret(&dir.join(profile::KEY_FILE), key_pem.as_bytes())?;
    write_public(&dir.join(profile::CERT_FILE), cert_pem.as_bytes())?;
    write_public(&dir.join(profile::CA_FILE), ca_pem.as_bytes())?;
    write_public(
        &dir.join(profile::SETTINGS_FILE),
        profile::settings_text(&server.to_string(), None).as_bytes(),
    )
}

fn is_empty_dir(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => true,
    }
}

/// Initialises the data directory of `config`. Refuses a directory that already
/// holds a CA, or that holds anything else.
pub fn init(config: &Config, default_profile: Option<&Path>) -> Result<InitReport, ServerError> {
    let data = DataDir::new(config.data_dir());
    if data.is_initialised() {
        return Err(ServerError::file(
            data.ca_cert(),
            "this data directory is already initialised (the CA exists)",
        ));
    }
    if !is_empty_dir(data.root()) {
        return Err(ServerError::file(
            data.root(),
            "the data directory is not empty and holds no Kalavar CA; refusing to initialise it",
        ));
    }
    private_dir(data.root())?;
    private_dir(&data.pki())?;
    private_dir(&data.profiles())?;

    let (authority, ca_key) = Authority::create()?;
    issue_server_cert(&authority, config, &data)?;

    let directory = StorageDirectory::new(open_engine(config, &data)?);
    directory
        .create_user("root", Role::Root, &[])
        .map_err(|e| ServerError::Catalog(e.to_string()))?;
    let (root_key, csr) = key_and_csr("root")?;
    let issued = authority
        .issue_client(
            &csr,
            "root",
            &config.auth.root_addresses,
            config.auth.root_valid_days,
        )
        .map_err(ServerError::pki)?;
    let s: &CertSummary = &issued.summary;
    directory
        .add_certificate(&CertRecord {
            issuer: issuer_id(&s.issuer_der),
            serial: s.serial.clone(),
            user: "root".into(),
            not_before: s.not_before,
            not_after: s.not_after,
            addresses: s.addresses.clone(),
            revoked_at: None,
            der: issued.der.clone(),
        })
        .map_err(|e| ServerError::Catalog(e.to_string()))?;
    let (_, crl_pem) = crate::state::build_crl(&directory, &authority)?;
    write_public(&data.crl(), crl_pem.as_bytes())?;

    let server = client_address(&config.server.listen);
    let root_profile = data.profiles().join("root");
    let key_pem = root_key.serialize_pem();
    write_profile(
        &root_profile,
        &key_pem,
        &issued.pem,
        authority.cert_pem(),
        server,
    )?;

    let mut report = InitReport {
        data_dir: data.root().to_owned(),
        root_profile,
        default_profile: None,
        default_profile_kept: None,
    };
    if let Some(dir) = default_profile {
        if dir.join(profile::CERT_FILE).exists() || dir.join(profile::KEY_FILE).exists() {
            report.default_profile_kept = Some(dir.to_owned());
        } else {
            write_profile(dir, &key_pem, &issued.pem, authority.cert_pem(), server)?;
            report.default_profile = Some(dir.to_owned());
        }
    }
    // The CA key is written last: its presence marks a complete initialisation.
    authority.save(&ca_key, &data.pki())?;
    Ok(report)
}

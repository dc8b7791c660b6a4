//! The client-certificate verifier: rustls's webpki verifier over our CA and the
//! current CRL, held behind a lock so that a revocation swaps in a new one and the very
//! next handshake sees it. Handshakes already past verification are not affected;
//! their sessions are closed through the session registry instead.
//!
//! What webpki refuses here (each a TLS alert the client sees): no certificate,
//! a chain to another CA (same subject or not, or self-signed), expired or not yet
//! valid, revoked in the CRL, a CA certificate used as a client certificate, a
//! certificate without the clientAuth extended key usage.

use std::sync::{Arc, RwLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};

use crate::error::ServerError;

/// A client verifier whose CRL can be replaced while the server runs.
#[derive(Debug)]
pub struct RevocableVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    hints: Vec<DistinguishedName>,
    inner: RwLock<Arc<dyn ClientCertVerifier>>,
}

impl RevocableVerifier {
    pub fn new(
        ca_der: &[u8],
        crl_der: &[u8],
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, ServerError> {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(ca_der.to_vec()))
            .map_err(|e| {
                ServerError::Tls(format!(
                    "the CA certificate is not a usable trust anchor: {e}"
                ))
            })?;
        let roots = Arc::new(roots);
        let inner = build(&roots, &provider, crl_der)?;
        let hints = inner.root_hint_subjects().to_vec();
        Ok(Self {
            roots,
            provider,
            hints,
            inner: RwLock::new(inner),
        })
    }

    /// Replaces the CRL; the next handshake is checked against it.
    pub fn set_crl(&self, crl_der: &[u8]) -> Result<(), ServerError> {
        let next = build(&self.roots, &self.provider, crl_der)?;
        *self.inner.write().expect("verifier lock") = next;
        Ok(())
    }

    fn current(&self) -> Arc<dyn ClientCertVerifier> {
        self.inner.read().expect("verifier lock").clone()
    }
}

fn build(
    roots: &Arc<RootCertStore>,
    provider: &Arc<CryptoProvider>,
    crl_der: &[u8],
) -> Result<Arc<dyn ClientCertVerifier>, ServerError> {
    WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
        .with_crls([CertificateRevocationListDer::from(crl_der.to_vec())])
        .build()
        .map_err(|e| ServerError::Tls(format!("client verifier: {e}")))
}

impl ClientCertVerifier for RevocableVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.current()
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.current().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.current().supported_verify_schemes()
    }
}

//! A server on a certificate from the office's own certificate authority,
//! as government intranets often run: a phone given that authority's root
//! (PEM) syncs over HTTPS; a phone without it refuses the connection
//! (nothing is sent); a root that is not a certificate is `InvalidInput`.
//!
//! The test makes a CA and a certificate for 127.0.0.1 with rcgen and puts
//! a TLS front (tokio-rustls) before a real server on 127.0.0.1:0.

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::sync::client::SyncClient;
use redline_device::{ErrorKind, Result};
use redline_tests::{Backend, TestServer};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_util::sync::CancellationToken;

/// A CA (its PEM) and an acceptor for a certificate it issued for 127.0.0.1.
fn test_ca() -> (String, TlsAcceptor) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, "西湖区应急管理局 测试根证书");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    let config =
        tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .unwrap();
    (ca_cert.pem(), TlsAcceptor::from(Arc::new(config)))
}

/// HTTPS on 127.0.0.1:0 in front of the plain server at `backend`.
async fn tls_front(acceptor: TlsAcceptor, backend: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, backend) = (acceptor.clone(), backend.clone());
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake.
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let Ok(mut plain) = TcpStream::connect(&backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    url
}

async fn sync(client: &SyncClient, store: &redline_device::store::Store) -> Result<redline_device::sync::client::SyncReport> {
    client.sync(store, &CancellationToken::new(), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_given_the_office_root_syncs_over_https_and_one_without_it_does_not() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let (ca_pem, acceptor) = test_ca();
    let https = tls_front(acceptor, server.url.trim_start_matches("http://").to_string()).await;

    let phone = server.device("insp-1").await;
    let trusting = SyncClient::with_roots(&https, &phone.token, std::slice::from_ref(&ca_pem)).unwrap();
    sync(&trusting, &phone.store).await.expect("a sync over HTTPS with the office's root");
    let id = phone.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    phone.store.answer(&id, "H01", AnswerValue::Pass, None).unwrap();
    let report = sync(&trusting, &phone.store).await.unwrap();
    assert_eq!(report.accepted, vec![id.clone()]);
    assert!(server.doc(&id).await.is_some(), "the inspection reached the server through HTTPS");

    // Without the root: refused at the handshake, nothing sent.
    let other = server.device("insp-2").await;
    let plain = SyncClient::new(&https, &other.token).unwrap();
    other.store.put_sites(&redline_tests::sites()).unwrap();
    let id2 = other.store.start_inspection("site-a1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap().id;
    let err = sync(&plain, &other.store).await.expect_err("a certificate from an unknown authority is refused");
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(server.doc(&id2).await.is_none(), "nothing went through an untrusted connection");

    // Text that is not a certificate is refused before any connection.
    for bad in ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
        let err = SyncClient::with_roots(&https, &phone.token, &[bad.to_string()]).err().expect("refused");
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
    }
}

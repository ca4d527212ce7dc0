//! TLS, proxies and redirects: certificates verified by default, a private CA trusted on request,
//! `--insecure` only when asked, proxy variables honoured, the token kept from other hosts.

use std::sync::{Arc, Mutex};

use crate::support::{Pxa, pxa_in};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str =
    r#"{"uuid":"u1","name":"v1","stage":"testing","kind":"artifact","meta_info":{}}"#;

/// Reads one request head and answers it with `BODY`; returns the head.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    String::from_utf8_lossy(&head).into_owned()
}

/// A plain HTTP server that records every request head it answers.
async fn recording_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let head = answer(stream).await;
            log.lock().unwrap().push(head);
        }
    });
    (port, seen)
}

/// An HTTPS server with a self-signed certificate for `localhost`; returns its port and the PEM.
async fn tls_server() -> (u16, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let pem = certified.cert.pem();
    let cert = certified.cert.der().clone();
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::try_from(
        certified.signing_key.serialize_der(),
    )
    .unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    answer(tls).await;
                }
            });
        }
    });
    (port, pem)
}

/// `pxa get demo:v1 -o name --host HOST EXTRA…` with `env` and no proxy variables of the caller.
fn pxa_get(home: &std::path::Path, host: &str, extra: &[&str], env: &[(&str, &str)]) -> Pxa {
    let mut cmd = pxa_in(home);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied())
        .args(["get", "demo:v1", "-o", "name", "--host", host])
        .args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_verified_by_default_and_a_private_ca_can_be_trusted() {
    let (port, pem) = tls_server().await;
    let host = format!("https://localhost:{port}");
    let home = tempfile::tempdir().unwrap();
    let ca = home.path().join("ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    let (h, c) = (home.path(), ca.to_str().unwrap());

    let default = pxa_get(h, &host, &[], &[]).run_async().await;
    let flag = pxa_get(h, &host, &["--ca-cert", c], &[]).run_async().await;
    let env = pxa_get(h, &host, &[], &[("POLYAXON_SSL_CA_CERT", c)])
        .run_async()
        .await;
    let insecure = pxa_get(h, &host, &["--insecure"], &[]).run_async().await;
    let env_off = pxa_get(h, &host, &[], &[("POLYAXON_VERIFY_SSL", "false")])
        .run_async()
        .await;
    let missing_ca = pxa_get(h, &host, &["--ca-cert", "/nonexistent/ca.pem"], &[])
        .run_async()
        .await;
    assert_eq!(default.0, 8, "self-signed must be refused: {}", default.2);
    assert!(
        default.2.to_lowercase().contains("certificate"),
        "{}",
        default.2
    );
    assert_eq!((flag.0, flag.1.as_str()), (0, "v1\n"), "{}", flag.2);
    assert_eq!((env.0, env.1.as_str()), (0, "v1\n"), "{}", env.2);
    assert_eq!(insecure.0, 0, "{}", insecure.2);
    assert!(
        insecure
            .2
            .contains("warning: TLS certificate verification is disabled"),
        "{}",
        insecure.2
    );
    assert_eq!(env_off.0, 0, "{}", env_off.2);
    assert!(env_off.2.contains("warning:"), "{}", env_off.2);
    assert_eq!(missing_ca.0, 2, "{}", missing_ca.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_variables_are_honoured() {
    let (port, seen) = recording_server().await;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let proxy = format!("http://127.0.0.1:{port}");
    let env = [("HTTP_PROXY", proxy.as_str())];
    let via = pxa_get(h, "http://registry.pxa-test.invalid:8000", &[], &env)
        .run_async()
        .await;
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("NO_PROXY", "registry.pxa-test.invalid"),
    ];
    let bypass = pxa_get(h, "http://registry.pxa-test.invalid:8000", &[], &env)
        .run_async()
        .await;
    assert_eq!((via.0, via.1.as_str()), (0, "v1\n"), "{}", via.2);
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(
            "GET http://registry.pxa-test.invalid:8000/api/v1/default/demo/versions/artifact/v1 "
        ),
        "{}",
        heads[0]
    );
    // With NO_PROXY the name is resolved directly, and .invalid never resolves.
    assert_eq!(bypass.0, 8, "{}", bypass.2);
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "the proxy saw no second request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_does_not_follow_a_redirect_to_another_host() {
    let (other_port, seen) = recording_server().await;
    let origin = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .respond_with(
            wiremock::ResponseTemplate::new(302).insert_header(
                "location",
                format!("http://localhost:{other_port}/api/v1/default/demo/versions/artifact/v1")
                    .as_str(),
            ),
        )
        .mount(&origin)
        .await;
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = pxa_get(
        home.path(),
        &origin.uri(),
        &["--token", "tok-must-stay"],
        &[],
    )
    .run_async()
    .await;
    assert_eq!((code, out.as_str()), (0, "v1\n"), "{err}");
    let origin_reqs = origin.received_requests().await.unwrap();
    assert_eq!(origin_reqs.len(), 1);
    assert_eq!(
        origin_reqs[0].headers.get("authorization").unwrap(),
        "Token tok-must-stay"
    );
    let heads = seen.lock().unwrap().clone();
    assert_eq!(heads.len(), 1);
    assert!(
        !heads[0].to_lowercase().contains("authorization"),
        "token leaked: {}",
        heads[0]
    );
    assert!(!heads[0].contains("tok-must-stay"));
}

//! Hints that tell the truth (issue 14.15): each case is a message a new user met with a wrong
//! or misleading hint, pinned as a snapshot of the exact output.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fake::{Server, Store, VERSION_PATH, api_then, lin, ok, status, version_json};
use crate::support::pxa;
use crate::support::snapshot::assert_outcome;

#[test]
fn if_stage_names_the_registry_in_the_command_it_suggests() {
    let server = Server::start(|req, _| {
        assert!(req.path.contains("/versions/model/m1"), "{}", req.path);
        ok(json!({"uuid": "u", "name": "m1", "stage": "testing"}).to_string())
    });
    let (code, out, err) = pxa()
        .args([
            "models",
            "stage",
            "demo:m1",
            "--to",
            "production",
            "--if-stage",
            "staging",
        ])
        .args(["--host", &server.url])
        .run();
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("pxa models stage default/demo:m1 --to production"),
        "{err}"
    );
    assert_outcome!(code, out, err, server = server.url);
}

#[test]
fn status_against_a_server_that_is_not_polyaxon_says_so() {
    let server = Server::start(|_, _| status(404, "<html><title>404 Not Found</title></html>"));
    let (code, out, err) = pxa().args(["status", "--host", &server.url]).run();
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("--kind") && !err.contains("project"), "{err}");
    assert_outcome!(code, out, err, server = server.url);
}

#[test]
fn a_polyaxonfile_that_is_not_yaml_is_named_with_its_yaml_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, "version: 1.1\nkind: component\nrun: [1, 2\n").unwrap();
    for group in ["artifacts", "components"] {
        let (code, out, err) = pxa()
            .args([
                group,
                "register",
                "demo:c1",
                "--host",
                "http://127.0.0.1:9",
                "-f",
            ])
            .arg(&file)
            .run();
        let err = err.replace(dir.path().to_str().unwrap(), "DIR");
        assert_eq!(code, 2, "{err}");
        assert!(!err.contains("valid JSON") && !err.contains("'{"), "{err}");
        assert_outcome!(
            code,
            out,
            err,
            name = format!("polyaxonfile_not_yaml_{group}")
        );
    }
}

#[test]
fn https_against_a_plain_http_port_says_so() {
    // A plain HTTP server answers a TLS hello with an HTTP error, as the sandbox does.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("https://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let (code, out, err) = pxa().args(["get", "demo:v1", "--host", &host]).run();
    assert_eq!(code, 8, "{err}");
    assert!(!err.contains("InvalidContentType"), "{err}");
    let shown = host.trim_start_matches("https://").to_string();
    assert_outcome!(code, out, err.replace(&shown, "[ADDR]"));
}

#[test]
fn retries_after_a_timeout_are_said_on_stderr() {
    let server = Server::start(|_, _| {
        std::thread::sleep(Duration::from_secs(5));
        ok("{}")
    });
    let started = Instant::now();
    let (code, _, err) = pxa()
        .args(["get", "demo:v1", "--timeout", "1", "--host", &server.url])
        .run();
    assert_eq!(code, 8, "{err}");
    let retries: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(retries.len(), 2, "{err}");
    assert!(
        retries[0].ends_with("; trying again (attempt 2 of 3)"),
        "{err}"
    );
    assert!(
        retries[1].ends_with("; trying again (attempt 3 of 3)"),
        "{err}"
    );
    assert!(err.contains("timed out"), "{err}");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn one_pulled_file_is_one_file() {
    let lineage = json!([lin("a", "file", "outputs/a.txt")]);
    let store = Store::new(&[("outputs/a.txt", b"A")]);
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| store.answer(req).expect("a streams request"),
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pxa()
        .args([
            "pull",
            "demo:v1",
            "--progress",
            "plain",
            "--host",
            &server.url,
            "--path",
        ])
        .arg(root.path())
        .run();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("pulled 1 version: 1 file, "), "{err}");
}

/// A pull that ends in a 404 says what to check by what was not found: the version, an
/// `--artifact` name the version lacks, its run, or a path its run's store no longer holds
/// (all of them said "check the project" before; issue 14.15).
#[test]
fn a_pull_not_found_hint_names_what_was_missing() {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("gone", "file", "outputs/gone.txt")
    ]);
    let store = Store::new(&[("outputs/a.txt", b"A")]);
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| store.answer(req).expect("a streams request"),
    ));
    let pull = |args: &[&str]| {
        let root = tempfile::tempdir().unwrap();
        pxa()
            .args([
                "pull",
                "--progress",
                "none",
                "--host",
                &server.url,
                "--path",
            ])
            .arg(root.path())
            .args(args)
            .run()
    };
    for (name, args) in [
        ("pull_a_missing_version", &["demo:v9"][..]),
        (
            "pull_an_unknown_artifact",
            &["demo:v1", "--artifact", "nope"][..],
        ),
        (
            "pull_a_path_the_store_lacks",
            &["demo:v1", "--artifact", "gone"][..],
        ),
    ] {
        let (code, out, err) = pull(args);
        assert_eq!(code, 3, "{name}: {err}");
        assert_outcome!(code, out, err, server = server.url, name = name);
    }
    // A run that is gone: the run's detail answers 404.
    let lineage = json!([lin("a", "file", "outputs/a.txt")]);
    let version = version_json("v1", lineage).to_string();
    let gone = Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        _ => status(404, r#"{"detail":"No Run matches the given query."}"#),
    });
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pxa()
        .args([
            "pull",
            "demo:v1",
            "--progress",
            "none",
            "--host",
            &gone.url,
            "--path",
        ])
        .arg(root.path())
        .run();
    assert_eq!(code, 3, "{err}");
    assert_outcome!(
        code,
        out,
        err,
        server = gone.url,
        name = "pull_a_run_that_is_gone"
    );
}

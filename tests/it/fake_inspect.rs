//! `files` and `diff` against the fake server, for what the sandbox cannot do on demand: each
//! 404 cause with its hint (as a pull says it), a server error during a diff (exit 2, since 1
//! says "different"), a cut body while hashing (retried), and a file whose size changed
//! between the listing and its download (exit 9).

use serde_json::{Value, json};

use crate::support::fake::{
    RUN_PATH, Resp, Server, Store, UUID, api_then, lin, reply, status, version_json,
};
use crate::support::files::b3;
use crate::support::pxa;
use crate::support::snapshot::assert_outcome;

fn pxa_at(server: &Server, args: &[&str]) -> (i32, String, String) {
    pxa().args(args).args(["--host", &server.url]).run()
}

/// `files` names what was not found, as `pull` does: the version, an `--artifact` name, a path
/// the store lacks, the run.
#[test]
fn files_not_found_hints_name_what_was_missing() {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("gone", "file", "outputs/gone.txt")
    ]);
    let store = Store::new(&[("outputs/a.txt", b"A")]);
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage.clone()))],
        move |req, _| store.answer(req).expect("a streams request"),
    ));
    for (name, args) in [
        ("files_a_missing_version", &["demo:v9"][..]),
        (
            "files_an_unknown_artifact",
            &["demo:v1", "--artifact", "nope"][..],
        ),
        (
            "files_a_path_the_store_lacks",
            &["demo:v1", "--artifact", "gone"][..],
        ),
    ] {
        let (code, out, err) = pxa_at(&server, &[&["files"], args].concat());
        assert_eq!(code, 3, "{name}: {err}");
        assert_outcome!(code, out, err, server = server.url, name = name);
    }
    let version = version_json("v1", lineage).to_string();
    let gone = Server::start(move |req, _| match req.path.as_str() {
        RUN_PATH => status(404, r#"{"detail":"No Run matches the given query."}"#),
        _ => status(200, version.clone()),
    });
    let (code, out, err) = pxa_at(&gone, &["files", "demo:v1"]);
    assert_eq!(code, 3, "{err}");
    assert_outcome!(
        code,
        out,
        err,
        server = gone.url,
        name = "files_a_run_that_is_gone"
    );
}

/// A server error while a diff reads a side exits 2 (1 would say "different"), with the
/// side named as given.
#[test]
fn a_server_error_during_a_diff_exits_2() {
    let lineage = json!([lin("a", "file", "outputs/a.txt")]);
    let store = Store::new(&[("outputs/a.txt", b"A")]);
    let server = Server::start(api_then(
        vec![("v1", version_json("v1", lineage)), ("v2", Value::Null)],
        move |req, _| store.answer(req).expect("a streams request"),
    ));
    let (code, out, err) = pxa_at(&server, &["diff", "-p", "demo", "v1", "v2"]);
    assert_eq!(code, 2, "{err}");
    assert_outcome!(code, out, err, server = server.url);
}

/// v1 and v2 link `m` at two folders of one run, each holding `x` of 5 bytes; `x2` answers
/// `serve` for its download.
fn two_folders(serve: impl Fn(usize) -> Resp + Send + Sync + 'static) -> Server {
    let store = Store::new(&[("outputs/m1/x", b"aaaaa"), ("outputs/m2/x", b"bbbbb")]);
    let v1 = version_json("v1", json!([lin("m", "dir", "outputs/m1")]));
    let v2 = version_json("v2", json!([lin("m", "dir", "outputs/m2")]));
    Server::start(api_then(vec![("v1", v1), ("v2", v2)], move |req, nth| {
        let path = req.param("path").unwrap_or_default();
        match (req.path.ends_with("/artifact"), path.as_str()) {
            (true, "outputs/m2/x") => serve(nth),
            _ => store.answer(req).expect("a streams request"),
        }
    }))
}

#[test]
fn content_hash_retries_a_cut_body_and_finds_other_bytes_of_the_same_size() {
    let server = two_folders(|nth| match nth {
        1 => Resp {
            cut_at: Some(2),
            ..reply(200, "bbbbb")
        },
        _ => reply(200, "bbbbb"),
    });
    let args = [
        "diff",
        "-p",
        "demo",
        "v1",
        "v2",
        "-o",
        "json",
        "--content-hash",
    ];
    let (code, out, err) = pxa_at(&server, &args);
    assert_eq!(code, 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let file = &d["files"][0];
    assert_eq!(
        (file["path"].as_str(), file["change"].as_str()),
        (Some("outputs/m2/x"), Some("changed"))
    );
    assert_eq!(file["a_blake3"], b3(b"aaaaa"));
    assert_eq!(file["b_blake3"], b3(b"bbbbb"));
    let asked = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/artifact"))
        .count();
    assert_eq!(asked, 3, "A once, B twice (the cut body retried)");
    assert_eq!(
        (d["a"]["run"].as_str(), d["b"]["run"].as_str()),
        (Some(UUID), Some(UUID))
    );
}

#[test]
fn a_file_of_another_size_than_listed_while_hashing_exits_9() {
    let server = two_folders(|_| reply(200, "bbbbbb"));
    let args = ["diff", "-p", "demo", "v1", "v2", "--content-hash"];
    let (code, out, err) = pxa_at(&server, &args);
    assert_eq!(code, 9, "{err}");
    assert_outcome!(code, out, err, server = server.url);
}

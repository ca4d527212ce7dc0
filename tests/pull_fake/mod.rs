//! Fixtures of the `pull` tests: version and lineage answers, tarballs, and `Fake`, the fault
//! server of `faults_fake` (one thread per connection, `Connection: close`) answering with a
//! `Reply` per request.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::common::{self, pxa_isolated};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const UUID: &str = "6de0b57635c842abb378fb1379d4dfec";

pub use super::faults_fake::Req;
use super::faults_fake::{Act, Resp, Server};

/// What the fake server answers (the fault server's answer, always sent).
pub type Reply = Resp;

pub fn reply(status: u16, body: impl Into<Vec<u8>>) -> Reply {
    Reply {
        status,
        body: body.into(),
        ..Default::default()
    }
}

pub type Handler = dyn Fn(&Req, usize) -> Reply + Send + Sync;

/// The fake server: every request is logged; `handler(req, nth)` gets the hit count of the path.
pub struct Fake {
    pub url: String,
    pub log: Arc<Mutex<Vec<Req>>>,
}

impl Fake {
    pub fn start(handler: Box<Handler>) -> Self {
        let Server { url, log } = Server::start(move |req, nth| Act::Send(handler(req, nth)));
        Self { url, log }
    }

    pub fn hits(&self, path_suffix: &str, param: Option<(&str, &str)>) -> Vec<Req> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with(path_suffix))
            .filter(|r| param.is_none_or(|(k, v)| r.param(k).as_deref() == Some(v)))
            .cloned()
            .collect()
    }
}

pub fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Hex BLAKE3, the hash pxa records (computed here independently of pxa's code).
pub fn b3(data: &[u8]) -> String {
    blake3::hash(data).to_hex().to_string()
}

/// Deterministic pseudo-random bytes.
pub fn blob(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

pub fn symlink_tarball(name: &str, to: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_path(name).unwrap();
    h.set_link_name(to).unwrap();
    h.set_cksum();
    b.append(&h, &[][..]).unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

pub fn version_json(name: &str, lineage: Value) -> Value {
    json!({"uuid": format!("{name}-uuid"), "name": name, "description": null, "tags": ["t"],
        "created_at": "2026-11-27T14:29:39.759063Z", "updated_at": "2026-11-27T14:29:40Z",
        "stage": "testing", "kind": "artifact", "owner": "default", "project": "demo",
        "content": "{\"a\": 1}", "run": UUID, "artifacts": ["x"],
        "meta_info": {"run": {"project": "demo", "name": "r", "uuid": UUID}, "lineage": lineage}})
}

pub fn lin(name: &str, kind: &str, path: &str) -> Value {
    json!({"name": name, "kind": kind, "path": format!("{UUID}/{path}"), "is_input": false})
}

/// Answers the API side (version, run) and hands stream requests to `streams`.
pub fn api_then(
    versions: Vec<(&'static str, Value)>,
    streams: impl Fn(&Req, usize) -> Reply + Send + Sync + 'static,
) -> Box<Handler> {
    Box::new(move |req, nth| {
        let base = "/api/v1/default/demo/versions/artifact";
        if req.path == format!("/api/v1/default/demo/runs/{UUID}") {
            return reply(
                200,
                json!({"uuid": UUID, "settings": {"namespace": "polyaxon"}}).to_string(),
            );
        }
        if req.path == base {
            let results: Vec<Value> = versions.iter().map(|(n, _)| json!({"name": n})).collect();
            return reply(
                200,
                json!({"count": results.len(), "next": null, "results": results}).to_string(),
            );
        }
        if let Some(name) = req.path.strip_prefix(&format!("{base}/")) {
            return match versions.iter().find(|(n, _)| *n == name) {
                Some((_, v)) if !v.is_null() => reply(200, v.to_string()),
                Some(_) => reply(500, ""),
                None => reply(
                    404,
                    r#"{"detail":"No ProjectVersion matches the given query."}"#,
                ),
            };
        }
        streams(req, nth)
    })
}

pub fn pull(fake: &Fake, root: &Path, extra: &[&str]) -> (i32, String, String) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = pxa_isolated(home.path());
    cmd.args(["pull", "-p", "demo", "--host", &fake.url, "--path"])
        .arg(root)
        .args(["--progress", "plain"])
        .args(extra)
        .timeout(Duration::from_secs(60));
    common::run(&mut cmd)
}

/// `pxa pull -p demo --version v1 --host URL --path ROOT EXTRA…` as a plain process, to spawn
/// and watch while it runs.
pub fn pull_process(url: &str, root: &Path, home: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = common::pxa_process(home);
    cmd.args(["pull", "-p", "demo", "--version", "v1", "--host", url])
        .args(extra)
        .arg("--path")
        .arg(root);
    cmd
}

pub fn big_file_server(
    data: Vec<u8>,
    first: impl Fn(&[u8]) -> Reply + Send + Sync + 'static,
) -> Fake {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, nth| {
            assert_eq!(req.param("path").as_deref(), Some("outputs/big.bin"));
            if nth == 1 {
                first(&data)
            } else {
                reply(200, data.clone())
            }
        },
    ))
}

/// Three entries: a file, a directory tarball and an event package; `bad` makes `c` fail.
pub fn three_entry_server(bad: Arc<Mutex<bool>>) -> Fake {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("b", "dir", "outputs/b"),
        {"name": "c", "kind": "image", "path": format!("{UUID}/events/image/c.plx"),
         "summary": {"is_event": true}},
    ]);
    let b = tarball(&[("one.txt", b"1"), ("deep/two.txt", b"22")]);
    let c = tarball(&[
        ("events/image/c.plx", b"ev"),
        ("assets/image/c/1.png", b"png"),
    ]);
    Fake::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            let tgz = |data: &Vec<u8>| Reply {
                headers: vec![(
                    "Content-Disposition".into(),
                    "inline; filename=\"x.tar.gz\"".into(),
                )],
                ..reply(200, data.clone())
            };
            if req.path.ends_with("/artifact") {
                reply(200, "A")
            } else if req.path.ends_with("/artifacts") {
                tgz(&b)
            } else if *bad.lock().unwrap() {
                reply(500, "")
            } else {
                assert_eq!(req.param("names").as_deref(), Some("c"));
                tgz(&c)
            }
        },
    ))
}

pub fn tree(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    pxa::pull::verify::walk(dir, "", &mut |p| out.push(p.to_string())).unwrap();
    out.into_iter()
        .map(|p| {
            let s = sha(&std::fs::read(dir.join(&p)).unwrap());
            (p, s)
        })
        .collect()
}

/// Peak resident memory (VmHWM) of a running process, in KiB.
pub fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

//! What the fake server serves as a registry: version and run answers, lineage entries, ready
//! made servers for the pull suites, scripted faults, and `pxa pull` against a fake.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Act, Req, Resp, Server, Store, disposition, ok, reply, with_tree};
use crate::support::files::tarball;
use crate::support::process::{Pxa, pxa, pxa_in};

/// The run every fake version's lineage belongs to.
pub const UUID: &str = "6de0b57635c842abb378fb1379d4dfec";
pub const RUN_PATH: &str = "/api/v1/default/demo/runs/6de0b57635c842abb378fb1379d4dfec";
pub const VERSION_PATH: &str = "/api/v1/default/demo/versions/artifact/v1";
pub const LIST_PATH: &str = "/api/v1/default/demo/versions/artifact";

/// A version detail answer without lineage (for `get`; pulls use [`version_json`]).
pub fn detail(name: &str) -> Value {
    json!({"uuid": format!("{name}-uuid"), "name": name, "description": null, "tags": ["t"],
        "created_at": "2026-11-27T14:29:39.759063Z", "updated_at": "2026-11-27T14:29:40Z",
        "stage": "testing", "kind": "artifact", "owner": "default", "project": "demo",
        "meta_info": {}})
}

/// The run detail the pull asks for before it downloads lineage.
pub fn run_detail() -> Act {
    ok(json!({"uuid": UUID, "settings": {"namespace": "polyaxon"}}).to_string())
}

/// A version of `default/demo` from run [`UUID`] with these lineage entries.
pub fn version_json(name: &str, lineage: Value) -> Value {
    json!({"uuid": format!("{name}-uuid"), "name": name, "description": null, "tags": ["t"],
        "created_at": "2026-11-27T14:29:39.759063Z", "updated_at": "2026-11-27T14:29:40Z",
        "stage": "testing", "kind": "artifact", "owner": "default", "project": "demo",
        "content": "{\"a\": 1}", "run": UUID, "artifacts": ["x"],
        "meta_info": {"run": {"project": "demo", "name": "r", "uuid": UUID}, "lineage": lineage}})
}

/// A lineage entry at `path` inside the run's folder.
pub fn lin(name: &str, kind: &str, path: &str) -> Value {
    json!({"name": name, "kind": kind, "path": format!("{UUID}/{path}"), "is_input": false})
}

/// A handler answering with a [`Resp`] for every request.
pub type RespFn = dyn Fn(&Req, usize) -> Resp + Send + Sync;

/// Answers the API side (version list, versions, run) and hands stream requests to `streams`.
/// A version given as `Value::Null` answers 500; an unknown one 404.
pub fn api_then(
    versions: Vec<(&'static str, Value)>,
    streams: impl Fn(&Req, usize) -> Resp + Send + Sync + 'static,
) -> Box<RespFn> {
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

/// Acts played in order for the requests a test cares about; then the default answer.
#[derive(Clone, Default)]
pub struct Script(Arc<Mutex<VecDeque<Act>>>);

impl Script {
    pub fn set(&self, acts: Vec<Act>) {
        *self.0.lock().unwrap() = acts.into();
    }
    pub fn next(&self) -> Option<Act> {
        self.0.lock().unwrap().pop_front()
    }
}

/// v1 with one file `big`; its first download is answered by `first`, later ones whole.
pub fn big_file_server(
    data: Vec<u8>,
    first: impl Fn(&[u8]) -> Resp + Send + Sync + 'static,
) -> Server {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let store = Store::new(&[("outputs/big.bin", &data)]);
    Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        with_tree(store, move |req, nth| {
            assert_eq!(req.param("path").as_deref(), Some("outputs/big.bin"));
            if nth == 1 {
                first(&data)
            } else {
                reply(200, data.clone())
            }
        }),
    ))
}

/// The files of [`three_entry_server`]'s run: a file and a folder of eight small files (one
/// tarball in pxa's plan).
pub fn three_entry_store() -> Store {
    let mut files: Vec<(String, Vec<u8>)> = vec![("outputs/a.txt".into(), b"A".to_vec())];
    files.push(("outputs/b/one.txt".into(), b"1".to_vec()));
    files.push(("outputs/b/deep/two.txt".into(), b"22".to_vec()));
    for i in 0..6 {
        files.push((format!("outputs/b/more/f{i}.txt"), vec![b'x'; i + 1]));
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
    Store::new(&refs)
}

/// Three entries: a file, a folder (one tarball) and an event package; `bad` makes `c` fail.
pub fn three_entry_server(bad: Arc<Mutex<bool>>) -> Server {
    let lineage = json!([
        lin("a", "file", "outputs/a.txt"),
        lin("b", "dir", "outputs/b"),
        {"name": "c", "kind": "image", "path": format!("{UUID}/events/image/c.plx"),
         "summary": {"is_event": true}},
    ]);
    let store = three_entry_store();
    let c = tarball(&[
        ("events/image/c.plx", b"ev"),
        ("assets/image/c/1.png", b"png"),
    ]);
    Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| {
            if let Some(answer) = store.answer(req) {
                return answer;
            }
            if *bad.lock().unwrap() {
                return reply(500, "");
            }
            assert_eq!(req.param("names").as_deref(), Some("c"));
            disposition(reply(200, c.clone()), "c.tar.gz")
        },
    ))
}

/// `pxa pull -p demo --host URL --path ROOT --progress plain EXTRA…` with a fresh HOME, 60 s.
pub fn pull(url: &str, root: &Path, extra: &[&str]) -> (i32, String, String) {
    pxa()
        .args(["pull", "-p", "demo", "--host", url, "--path"])
        .arg(root)
        .args(["--progress", "plain"])
        .args(extra)
        .timeout(Duration::from_secs(60))
        .run()
}

/// [`pull`] of version v1.
pub fn pull_v1(url: &str, root: &Path, extra: &[&str]) -> (i32, String, String) {
    pull(url, root, &[&["--version", "v1"], extra].concat())
}

/// `pxa pull -p demo --version v1 --host URL EXTRA… --path ROOT` with HOME at `home`, to run or
/// to spawn and watch while it runs (`.process()`).
pub fn pull_v1_in(url: &str, root: &Path, home: &Path, extra: &[&str]) -> Pxa {
    let mut cmd = pxa_in(home);
    cmd.args(["pull", "-p", "demo", "--version", "v1", "--host", url])
        .args(extra)
        .arg("--path")
        .arg(root);
    cmd
}

//! Fake-server tests for pulls of several versions (issue 12): no two requests for one server
//! archive name at once (K1), no two overlapping paths of one run at once (K2), the same piece
//! fetched once for two versions, an interrupted bulk pull resumed, metadata re-syncs from the
//! list, and a failure told once (issue 14.15).
#![allow(clippy::print_stderr)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::fake::*;
use crate::support::files::blob;

const LIST: &str = "/api/v1/default/demo/versions/model";

/// Versions of kind model, each with its own run uuid and lineage, and the runs' stores.
#[derive(Clone, Default)]
struct Registry {
    versions: Arc<Mutex<Vec<Value>>>,
    stores: Arc<Mutex<HashMap<String, Store>>>,
    /// Versions whose GET answers 500 for now.
    broken: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    fn version(&self, name: &str, run: &str, lineage: Value) {
        let mut v = version_json(name, lineage);
        v["kind"] = json!("model");
        v["run"] = json!(run);
        v["meta_info"]["run"]["uuid"] = json!(run);
        self.versions.lock().unwrap().push(v);
    }

    fn store(&self, run: &str) -> Store {
        let mut stores = self.stores.lock().unwrap();
        stores.entry(run.to_string()).or_default().clone()
    }

    /// The registry's answer; stream requests go to `streams(run, store, req)`.
    fn answer(&self, req: &Req, streams: &dyn Fn(&str, &Store, &Req) -> Resp) -> Resp {
        let versions = self.versions.lock().unwrap().clone();
        if req.path == LIST {
            let json = json!({"count": versions.len(), "next": null, "results": versions});
            return reply(200, json.to_string());
        }
        if let Some(name) = req.path.strip_prefix(&format!("{LIST}/")) {
            if self.broken.lock().unwrap().iter().any(|b| b == name) {
                return reply(500, "");
            }
            let v = versions.iter().find(|v| v["name"] == name);
            return v.map_or_else(|| reply(404, "{}"), |v| reply(200, v.to_string()));
        }
        if let Some(run) = req.path.strip_prefix("/api/v1/default/demo/runs/") {
            return reply(200, json!({"uuid": run, "settings": {}}).to_string());
        }
        let run = req
            .path
            .split("/runs/")
            .nth(1)
            .and_then(|r| r.split('/').next());
        let run = run.expect("a streams request").to_string();
        streams(&run, &self.store(&run), req)
    }

    fn serve(
        &self,
        streams: impl Fn(&str, &Store, &Req) -> Resp + Send + Sync + 'static,
    ) -> Server {
        let reg = self.clone();
        Server::start(move |req, _| reg.answer(req, &streams))
    }
}

/// What the server has in hand at once: the most requests for one archive name, and whether
/// two requests for paths of one run equal or nested were ever handled together.
#[derive(Clone, Default)]
struct Overlap(Arc<Mutex<(Vec<String>, usize, bool)>>);

impl Overlap {
    /// Holds `key` for `pause` (as the server building a tarball does).
    fn hold(&self, key: &str, pause: Duration) {
        {
            let mut m = self.0.lock().unwrap();
            m.0.push(key.to_string());
            let same = m.0.iter().filter(|k| *k == key).count();
            m.1 = m.1.max(same);
            let nested = |a: &str, b: &str| a == b || b.starts_with(&format!("{a}/"));
            let clash =
                m.0.iter()
                    .filter(|k| nested(k, key) || nested(key, k))
                    .count()
                    > 1;
            m.2 |= clash;
        }
        std::thread::sleep(pause);
        let mut m = self.0.lock().unwrap();
        let i = m.0.iter().position(|k| k == key).unwrap();
        m.0.remove(i);
    }

    fn most(&self) -> usize {
        self.0.lock().unwrap().1
    }

    fn nested(&self) -> bool {
        self.0.lock().unwrap().2
    }
}

fn pull_models(url: &str, root: &std::path::Path, extra: &[&str]) -> (i32, String, String) {
    let args = [&["--kind", "model"], extra].concat();
    pull(url, root, &args)
}

/// A lineage entry at `path` inside the run `run`'s folder.
fn lin_in(run: &str, name: &str, kind: &str, path: &str) -> Value {
    json!({"name": name, "kind": kind, "path": format!("{run}/{path}"), "is_input": false})
}

/// Ten small files: one tarball in pxa's plan.
fn small_files(store: &Store, dir: &str, seed: u64) {
    for i in 0..10 {
        store.put(&format!("{dir}/c{i}.json"), &blob(20, seed + i));
    }
}

#[test]
fn same_named_folders_of_different_runs_are_never_asked_for_at_once() {
    let reg = Registry::default();
    for i in 0..4 {
        let run = format!("run{i}");
        reg.version(
            &format!("m{i}"),
            &run,
            json!([lin_in(&run, "model", "dir", "outputs/model")]),
        );
        small_files(&reg.store(&run), "outputs/model", 100 * i);
    }
    let busy = Overlap::default();
    let b = busy.clone();
    let server = reg.serve(move |_, store, req| {
        if req.path.ends_with("/artifacts") {
            // The server writes every tarball to <archives>/<basename>.tar.gz.
            let name = req
                .param("path")
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            b.hold(&name, Duration::from_millis(150));
        }
        store.answer(req).unwrap()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_models(&server.url, root.path(), &["-a", "-j", "8"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        busy.most(),
        1,
        "two tarballs named model.tar.gz were in flight together"
    );
    assert_eq!(server.hits("/artifacts", None).len(), 4);
    for i in 0..4u64 {
        let f = root
            .path()
            .join(format!("models/m{i}/outputs/model/c3.json"));
        assert_eq!(std::fs::read(f).unwrap(), blob(20, 100 * i + 3));
    }
}

#[test]
fn overlapping_paths_of_one_run_wait_and_the_same_piece_is_fetched_once() {
    let reg = Registry::default();
    reg.version("a", "r", json!([lin_in("r", "m", "model", "outputs/m")]));
    reg.version("b", "r", json!([lin_in("r", "m", "model", "outputs/m")]));
    reg.version(
        "c",
        "r",
        json!([lin_in("r", "w", "file", "outputs/m/w.bin")]),
    );
    let store = reg.store("r");
    store.put("outputs/m/w.bin", &blob(300_000, 1));
    small_files(&store, "outputs/m/tok", 10);
    let busy = Overlap::default();
    let b = busy.clone();
    let server = reg.serve(move |_, store, req| {
        if !req.path.ends_with("/tree") {
            // The server refreshes its cache copy of the path (and all below it) in place.
            b.hold(&req.param("path").unwrap(), Duration::from_millis(100));
        }
        store.answer(req).unwrap()
    });
    let root = tempfile::tempdir().unwrap();
    let (code, out, err) = pull_models(&server.url, root.path(), &["-a", "-j", "8", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !busy.nested(),
        "overlapping paths of one run were in flight together"
    );
    let files = server.hits("/artifact", Some(("path", "outputs/m/w.bin")));
    let tarballs = server.hits("/artifacts", None);
    assert_eq!(
        (files.len(), tarballs.len()),
        (1, 1),
        "a piece was fetched twice"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["entries"][0]["status"].as_str().unwrap())
        .collect();
    // An entry whose pieces all came from another version says so.
    assert!(statuses.contains(&"copied"), "{statuses:?}");
    for v in ["a", "b", "c"] {
        let w = root.path().join(format!("models/{v}/outputs/m/w.bin"));
        assert_eq!(std::fs::read(w).unwrap(), blob(300_000, 1), "{v}");
        let (code, out, err) = crate::support::pxa()
            .arg("verify")
            .arg(root.path().join(format!("models/{v}")))
            .run();
        assert_eq!(code, 0, "{v}: {out}{err}");
    }
}

#[test]
fn an_interrupted_bulk_pull_run_again_keeps_the_versions_it_finished() {
    let reg = Registry::default();
    for name in ["v1", "v2", "v3"] {
        reg.version(
            name,
            "r",
            json!([lin_in("r", name, "file", &format!("outputs/{name}.bin"))]),
        );
        reg.store("r")
            .put(&format!("outputs/{name}.bin"), name.as_bytes());
    }
    reg.broken.lock().unwrap().push("v2".into());
    let server = reg.serve(|_, store, req| store.answer(req).unwrap());
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_models(&server.url, root.path(), &["-a", "--retries", "0"]);
    assert_eq!(code, 10, "{err}");
    reg.broken.lock().unwrap().clear();
    let gets = |name: &str| server.count(&format!("{LIST}/{name}"));
    let before = (gets("v1"), gets("v2"), gets("v3"));
    let (code, out, err) = pull_models(&server.url, root.path(), &["-a", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        (gets("v1"), gets("v2"), gets("v3")),
        (before.0, before.1 + 1, before.2),
        "only the failed version was asked for again"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = report["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["reused", "pulled", "reused"]);
    // Completed: the next run pulls everything afresh.
    let journals = std::fs::read_dir(root.path().join("models"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".pxa-bulk")
        })
        .count();
    assert_eq!(journals, 0);
    let (code, _, err) = pull_models(&server.url, root.path(), &["-a"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(gets("v1"), before.0 + 1);
}

#[test]
fn a_metadata_resync_with_skip_existing_asks_only_for_the_list() {
    let reg = Registry::default();
    for name in ["v1", "v2", "v3"] {
        reg.version(name, "r", json!([]));
    }
    let server = reg.serve(|_, store, req| store.answer(req).unwrap());
    let root = tempfile::tempdir().unwrap();
    let args = ["-a", "--no-artifacts", "--skip-existing", "-o", "json"];
    let (code, _, err) = pull_models(&server.url, root.path(), &args);
    assert_eq!(code, 0, "{err}");
    let total = server.total();
    let (code, out, err) = pull_models(&server.url, root.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        server.total(),
        total + 1,
        "more than the list was asked for"
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["versions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["status"] == "unchanged")
    );
    // A version updated on the server is read again; the others are not.
    reg.versions.lock().unwrap()[1]["updated_at"] = json!("2027-01-01T00:00:00Z");
    let (code, _, err) = pull_models(&server.url, root.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(server.count(&format!("{LIST}/v2")), 2);
    assert_eq!(server.count(&format!("{LIST}/v1")), 1);
    let v2 = std::fs::read_to_string(root.path().join("models/v2/version.plx.json")).unwrap();
    assert!(v2.contains("2027-01-01T00:00:00+00:00"), "{v2}");
}

#[test]
fn a_failed_pull_says_its_error_once() {
    let reg = Registry::default();
    reg.version(
        "v1",
        "r",
        json!([lin_in("r", "gone", "file", "outputs/gone.bin")]),
    );
    reg.version(
        "v2",
        "r",
        json!([lin_in("r", "ok", "file", "outputs/ok.bin")]),
    );
    reg.store("r").put("outputs/ok.bin", b"ok");
    reg.store("r")
        .put("outputs/gone.bin", b"listed, then deleted");
    let server = reg.serve(|_, store, req| match req.param("path").as_deref() {
        Some("outputs/gone.bin") if req.path.ends_with("/artifact") => {
            reply(404, "Artifact not found: filepath=r/outputs/gone.bin")
        }
        _ => store.answer(req).unwrap(),
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_models(&server.url, root.path(), &["--version", "v1"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.matches("Artifact not found").count(), 1, "{err}");
    assert!(err.contains("error: v1: 1 of 1 entries failed"), "{err}");
    // A bulk pull's log tells it as it happens, and the end only names the version.
    let (code, _, err) = pull_models(&server.url, root.path(), &["-a"]);
    assert_eq!(code, 10, "{err}");
    assert_eq!(err.matches("Artifact not found").count(), 1, "{err}");
    assert!(
        err.contains("error: 1 of 2 versions failed: v1 (reasons above)"),
        "{err}"
    );
}

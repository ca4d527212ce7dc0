//! End-to-end: uploads into a run that has files of its own (`--run-uid`), and a version
//! moved with its files from one sandbox to another by `pull` and `push`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::{local, pulled, run_of, tricky, upload};
use crate::support::files::tree;
use crate::support::project::project;
use crate::support::sandbox::second_host;
use crate::support::upload_proxy::{Fault, UploadProxy};
use crate::support::{run, sandbox};

/// `--run-uid`: the run's other files stay as they are; a file of another size is refused
/// unless --force; a lineage name at another path is refused; --dry-run writes nothing.
#[test]
#[ignore = "needs the sandbox"]
fn an_existing_runs_other_files_are_untouched() {
    let sb = sandbox();
    let pr = project(&sb, "uprun");
    let work = tempfile::tempdir().unwrap();
    let data = tricky(work.path(), "other-files");
    let keep = work.path().join("keep.txt");
    std::fs::write(&keep, "kept as it is").unwrap();
    let (k, d) = (keep.to_str().unwrap(), data.to_str().unwrap());
    let (code, _, err) = upload(&sb, None, &[k, d, "-p", pr.p(), "--version", "base"]);
    assert_eq!(code, 0, "{err}");
    let uuid = pr.version("artifact", "base")["run"]
        .as_str()
        .unwrap()
        .to_string();
    let before = pulled(&sb, pr.p(), "artifact", "base", "outputs");

    let extra = work.path().join("extra");
    std::fs::create_dir_all(extra.join("deep")).unwrap();
    std::fs::write(extra.join("deep/new.txt"), "new").unwrap();
    std::fs::write(extra.join("other.txt"), "other").unwrap();
    let e = extra.to_str().unwrap();
    let proxy = UploadProxy::start(&sb.host, |_, _| Fault::Forward);
    let (code, out, err) = upload(
        &sb,
        Some(&proxy.url),
        &[
            e,
            "-p",
            pr.p(),
            "--version",
            "more",
            "--run-uid",
            &uuid,
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["run"]["action"], "given");
    assert_eq!(plan["entries"][0]["send"]["files"], 2);
    let writes: Vec<_> = proxy
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.method != "GET")
        .cloned()
        .collect();
    assert!(writes.is_empty(), "--dry-run wrote: {writes:?}");

    let (code, _, err) = upload(
        &sb,
        None,
        &[e, "-p", pr.p(), "--version", "more", "--run-uid", &uuid],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        pulled(&sb, pr.p(), "artifact", "base", "outputs"),
        before,
        "base changed"
    );
    assert_eq!(
        pulled(&sb, pr.p(), "artifact", "more", "outputs/extra"),
        local(&extra)
    );
    assert_eq!(run_of(&pr, "artifact", "more")["name"], "upload-base");

    // keep.txt with another size: refused (exit 5), nothing sent; --force replaces it.
    let changed = work.path().join("changed");
    std::fs::create_dir_all(&changed).unwrap();
    std::fs::write(changed.join("keep.txt"), "a longer text than before").unwrap();
    let c = changed.join("keep.txt");
    let c = c.to_str().unwrap();
    let proxy = UploadProxy::start(&sb.host, |_, _| Fault::Forward);
    let (code, _, err) = upload(
        &sb,
        Some(&proxy.url),
        &[c, "-p", pr.p(), "--version", "v3", "--run-uid", &uuid],
    );
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("`outputs/keep.txt` is already on the run"),
        "{err}"
    );
    assert!(
        proxy.log.lock().unwrap().iter().all(|s| s.method == "GET"),
        "a write was sent"
    );
    assert_eq!(pulled(&sb, pr.p(), "artifact", "base", "outputs"), before);
    // The same name at another place re-points a lineage entry: refused.
    let (code, _, err) = upload(
        &sb,
        None,
        &[
            c,
            "-p",
            pr.p(),
            "--version",
            "v3",
            "--run-uid",
            &uuid,
            "--to",
            "elsewhere",
        ],
    );
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("already has a lineage entry `keep.txt`"),
        "{err}"
    );
    let (code, _, err) = upload(
        &sb,
        None,
        &[
            c,
            "-p",
            pr.p(),
            "--version",
            "v3",
            "--run-uid",
            &uuid,
            "--force",
            "--verify",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let after = pulled(&sb, pr.p(), "artifact", "v3", "outputs");
    assert_eq!(after.get("keep.txt"), local(&changed).get("keep.txt"));
}

/// Issue 13: a version pulled from one server and pushed to another arrives with its files,
/// byte-identical (lineage, events and their assets included), and its kind comes from the
/// pulled folder.
#[test]
#[ignore = "needs the sandbox"]
fn pull_from_one_sandbox_and_push_to_another_moves_the_files() {
    let sb = sandbox();
    let host2 = second_host();
    let name = format!("moved-{}", std::process::id());
    let create = format!("{host2}/api/v1/default/projects/create");
    let made = sb
        .http()
        .post(create)
        .json(&serde_json::json!({"name": name}))
        .send()
        .unwrap();
    assert!(made.status().is_success(), "{made:?}");
    for (kind, version) in [("artifact", "full"), ("model", "m1")] {
        let root = tempfile::tempdir().unwrap();
        let mut pull = sb.pxa();
        pull.args([
            "pull",
            "-p",
            sb.project(),
            "--version",
            version,
            "--kind",
            kind,
            "--progress",
            "none",
            "--path",
        ])
        .arg(root.path())
        .timeout(Duration::from_secs(300));
        let (code, _, err) = run(&pull);
        assert_eq!(code, 0, "{err}");
        let folder = root.path().join(format!("{kind}s/{version}"));
        let mut push = sb.pxa();
        push.arg("push")
            .arg(&folder)
            .args(["-p", &name, "--host", &host2])
            .timeout(Duration::from_secs(300));
        let (code, out, err) = run(&push);
        assert_eq!(code, 0, "{out}{err}");
        let back = tempfile::tempdir().unwrap();
        let mut pull2 = sb.pxa();
        pull2
            .args([
                "pull",
                "-p",
                &name,
                "--version",
                version,
                "--kind",
                kind,
                "--host",
                &host2,
                "--progress",
                "none",
                "--path",
            ])
            .arg(back.path())
            .timeout(Duration::from_secs(300));
        let (code, _, err) = run(&pull2);
        assert_eq!(code, 0, "{err}");
        let files = |dir: &Path| -> BTreeMap<String, String> {
            tree(dir)
                .into_iter()
                .filter(|(p, _)| !p.ends_with(".plx.json") && p != ".pxa-manifest.json")
                .collect()
        };
        let want = files(&folder);
        assert!(want.len() > 1, "{want:?}");
        assert_eq!(
            files(&back.path().join(format!("{kind}s/{version}"))),
            want,
            "{kind} {version}"
        );
        let there = sb
            .http()
            .get(format!(
                "{host2}/api/v1/default/{name}/versions/{kind}/{version}"
            ))
            .header("X-POLYAXON-SERVICE", "2.18.0")
            .send()
            .unwrap();
        let there: Value = there.json().unwrap();
        let here = sb.server_version(kind, version);
        let names = |v: &Value| -> Vec<String> {
            let mut n: Vec<String> = v["meta_info"]["lineage"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| format!("{} {}", l["name"], l["kind"]))
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(&there), names(&here));
        assert_eq!(there["description"], here["description"]);
    }
}

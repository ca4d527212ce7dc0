//! Fault injection on the download path (`pxa pull`): each fault first fails a pull with
//! `--retries 0` (documented exit code, previous copy intact, nothing partial at a final path),
//! then is retried to a correct sha256 with a bounded number of requests.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fake::*;
use crate::support::files::{assert_no_partial, blob, sha, tree};

const FILE: &str = "/artifact";
const DIR: &str = "/artifacts";

/// v1 with a single file `big` and a directory `d` (one tarball in pxa's plan: 42 files, most
/// of them small); the script plays on the file's requests (or the directory's when `on_dir`),
/// then the store's current contents are served whole.
struct Pull {
    server: Server,
    script: Script,
    store: Store,
    root: tempfile::TempDir,
}

fn setup(on_dir: bool) -> Pull {
    let lineage = json!([
        lin("big", "file", "outputs/big.bin"),
        lin("d", "dir", "outputs/d")
    ]);
    let version = version_json("v1", lineage).to_string();
    let (script, store) = (Script::default(), Store::default());
    fill_store(&store, &blob(300_000, 1));
    let (s, st) = (script.clone(), store.clone());
    let server = Server::start(move |req, _| {
        let path = req.path.as_str();
        if path == VERSION_PATH {
            return ok(version.clone());
        }
        if path == RUN_PATH {
            return run_detail();
        }
        let whole = st.answer(req).expect("a streams request");
        if (path.ends_with(DIR) && on_dir || path.ends_with(FILE) && !on_dir)
            && let Some(act) = s.next()
        {
            return fill(act, &whole.body);
        }
        Act::Send(whole)
    });
    let root = tempfile::tempdir().unwrap();
    Pull {
        server,
        script,
        store,
        root,
    }
}

/// The run's files made from `data`: the file, and the directory's two files from it beside
/// forty small ones.
fn fill_store(store: &Store, data: &[u8]) {
    store.put("outputs/big.bin", data);
    store.put("outputs/d/a.bin", &data[..1000]);
    store.put("outputs/d/deep/b.bin", data);
    for i in 0..40 {
        store.put(&format!("outputs/d/f{i:02}"), &data[i..i + 10]);
    }
}

/// A scripted `cut` or `trickle` act with an empty body gets the whole answer as its body.
fn fill(act: Act, whole: &[u8]) -> Act {
    match act {
        Act::Send(mut r) if r.body.is_empty() && r.status == 200 => {
            let frac = r.cut_at.map(|c| c as f64 / 1000.0);
            r.body = whole.to_vec();
            r.cut_at = frac.map(|f| (whole.len() as f64 * f) as usize);
            Act::Send(r)
        }
        other => other,
    }
}

/// Cut after `permille`/1000 of whatever is served.
fn cut_at(permille: usize) -> Act {
    Act::Send(Resp {
        status: 200,
        cut_at: Some(permille),
        ..Default::default()
    })
}

impl Pull {
    fn dest(&self) -> std::path::PathBuf {
        self.root.path().join("artifacts/v1")
    }
    fn pull(&self, extra: &[&str]) -> (i32, String, String) {
        pull_v1(&self.server.url, self.root.path(), extra)
    }
    /// A first good pull; returns the tree as the previous copy.
    fn first(&self) -> Vec<(String, String)> {
        let (code, _, err) = self.pull(&[]);
        assert_eq!(code, 0, "{err}");
        tree(&self.dest())
    }
    /// New contents on the server for what follows.
    fn change(&self, seed: u64) -> Vec<u8> {
        let new = blob(300_000, seed);
        fill_store(&self.store, &new);
        new
    }
}

fn file_sha(dest: &Path) -> String {
    sha(&std::fs::read(dest.join("outputs/big.bin")).unwrap())
}

/// Fails once with `--retries 0` (exit `code`, previous copy intact), then succeeds with retries.
fn fails_then_recovers(p: &Pull, fault: Act, times: usize, code: i32, path: &str) -> String {
    let before = p.first();
    let new = p.change(7);
    p.script.set(vec![fault.clone()]);
    let sent = p.server.count(path);
    let (exit, out, err) = p.pull(&["--retries", "0"]);
    assert_eq!(exit, code, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(tree(&p.dest()), before, "the previous copy changed");
    assert_no_partial(&p.dest());
    assert_eq!(
        p.server.count(path) - sent,
        1,
        "--retries 0 sent more than one request"
    );
    p.script.set(vec![fault; times]);
    let sent = p.server.count(path);
    let (exit, _, err) = p.pull(&[]);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(p.server.count(path) - sent, times + 1, "{err}");
    assert_eq!(file_sha(&p.dest()), sha(&new));
    assert_eq!(
        std::fs::read(p.dest().join("outputs/d/deep/b.bin")).unwrap(),
        new
    );
    assert_no_partial(&p.dest());
    err
}

#[test]
fn pull_a_reset_before_the_headers_is_retried() {
    let p = setup(false);
    let err = fails_then_recovers(&p, Act::Reset, 2, 1, FILE);
    assert!(err.contains("retrying v1/big"), "{err}");
}

#[test]
fn pull_a_file_cut_at_0_50_or_99_percent_is_retried_to_the_right_sha256() {
    for permille in [0, 500, 990] {
        let p = setup(false);
        let err = fails_then_recovers(&p, cut_at(permille), 2, 9, FILE);
        let at = 300_000 * permille / 1000;
        assert!(
            err.contains(&format!("cut after {at} of 300000 bytes")),
            "{permille}: {err}"
        );
    }
}

#[test]
fn pull_a_directory_tarball_cut_at_0_50_or_99_percent_is_retried() {
    for permille in [0, 500, 990] {
        let p = setup(true);
        fails_then_recovers(&p, cut_at(permille), 2, 9, DIR);
    }
}

#[test]
fn pull_a_trickle_slower_than_the_stall_timeout_in_total_succeeds() {
    let p = setup(false);
    let data = p.store.get("outputs/big.bin").unwrap();
    // 300 kB in 20 chunks, 150 ms apart: 3 s in all, never 1 s of silence.
    p.script
        .set(vec![trickle(&data, 15_000, Duration::from_millis(150))]);
    let started = Instant::now();
    let (code, _, err) = p.pull(&["--stall-timeout", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(!err.contains("retrying"), "{err}");
    assert_eq!(p.server.count(FILE), 1);
    assert_eq!(file_sha(&p.dest()), sha(&data));
}

#[test]
fn pull_500_502_503_504_then_success() {
    let p = setup(false);
    p.first();
    let new = p.change(8);
    p.script
        .set([500, 502, 503, 504].map(|c| status(c, "")).to_vec());
    let sent = p.server.count(FILE);
    let (code, _, err) = p.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.server.count(FILE) - sent, 5);
    for c in ["500", "502", "503", "504"] {
        assert!(err.contains(&format!("{c} ")), "{c}: {err}");
    }
    assert_eq!(file_sha(&p.dest()), sha(&new));
}

#[test]
fn pull_429_with_an_http_date_retry_after_waits_until_then() {
    let p = setup(false);
    let date = super::http_date_in(2);
    p.script
        .set(vec![with_header(status(429, "busy"), "Retry-After", &date)]);
    let started = Instant::now();
    let (code, _, err) = p.pull(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(900), "{err}");
    // The announced wait is the date minus now (under 2 s), not the first backoff (~0.1 s).
    let wait: f64 = err
        .split("retrying v1/big in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("no retry line: {err}"));
    assert!((0.5..=2.0).contains(&wait), "{wait}: {err}");
    assert_eq!(p.server.count(FILE), 2);
}

#[test]
fn pull_a_gateway_html_page_fails_clearly_after_bounded_retries() {
    let p = setup(false);
    let before = p.first();
    p.change(9);
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let html = with_header(status(502, page), "Content-Type", "text/html");
    p.script.set(vec![html; 10]);
    let sent = p.server.count(FILE);
    let (code, _, err) = p.pull(&["--retries", "2"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("HTML page: 502 Bad Gateway"), "{err}");
    assert!(!err.contains("nginx"), "the page body is not dumped: {err}");
    assert_eq!(p.server.count(FILE) - sent, 3);
    assert_eq!(tree(&p.dest()), before);
    assert_no_partial(&p.dest());
}

#[test]
fn pull_api_answers_cut_or_reset_are_retried_too() {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let version = version_json("v1", lineage).to_string();
    let data = blob(50_000, 5);
    let store = Store::new(&[("outputs/big.bin", &data)]);
    let server = Server::start(move |req, nth| match (req.path.as_str(), nth) {
        (VERSION_PATH, 1) => cut(version.as_bytes(), 0.5),
        (VERSION_PATH, _) => ok(version.clone()),
        (RUN_PATH, 1) => Act::Reset,
        (RUN_PATH, _) => run_detail(),
        _ => Act::Send(store.answer(req).expect("a streams request")),
    });
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pull_v1(&server.url, root.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(server.count(VERSION_PATH), 2);
    assert_eq!(server.count(RUN_PATH), 2);
    assert_eq!(server.count(FILE), 1);
    assert_eq!(file_sha(&root.path().join("artifacts/v1")), sha(&data));
}

/// A pull's retried API reads are told through its progress like its downloads' retries: a
/// JSON event with `--progress json` (stderr stays one JSON object per line), nothing with
/// `--quiet`, a plain line otherwise — never a `warning:` line that breaks those modes.
#[test]
fn pull_api_retries_are_progress_events_not_warnings() {
    let lineage = json!([lin("big", "file", "outputs/big.bin")]);
    let version = version_json("v1", lineage).to_string();
    let data = blob(20_000, 6);
    let store = Store::new(&[("outputs/big.bin", &data)]);
    let server = Server::start(move |req, nth| match (req.path.as_str(), nth % 2) {
        (VERSION_PATH, 1) => status(503, ""),
        (VERSION_PATH, _) => ok(version.clone()),
        (RUN_PATH, _) => run_detail(),
        _ => Act::Send(store.answer(req).expect("a streams request")),
    });
    for mode in ["json", "quiet", "plain"] {
        let root = tempfile::tempdir().unwrap();
        let extra: &[&str] = match mode {
            "quiet" => &["--quiet"],
            m => &["--progress", m],
        };
        let home = tempfile::tempdir().unwrap();
        let (code, _, err) = pull_v1_in(&server.url, root.path(), home.path(), extra).run();
        assert_eq!(code, 0, "{mode}: {err}");
        assert!(!err.contains("warning:"), "{mode}: {err}");
        match mode {
            "json" => {
                for line in err.lines() {
                    let event: serde_json::Value = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{err}"));
                    assert!(event["event"].is_string(), "{line}");
                }
                assert!(err.contains(r#""event":"retry""#), "{err}");
            }
            "quiet" => assert_eq!(err, "", "--quiet prints nothing but errors"),
            _ => assert!(err.contains("pxa: retrying request"), "{err}"),
        }
    }
}

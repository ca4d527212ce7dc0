//! The official CLI's config files as a new user has them: a host saved without a scheme
//! (`polyaxon config set --host=127.0.0.1:8840`), files that are not valid JSON, values pxa
//! refuses. `config show|set|unset` must work whatever the files hold, so a bad file can be
//! repaired with pxa; `config show -o json` gives typed values.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::fake::{Server, ok};
use crate::support::snapshot::assert_outcome;
use crate::support::{pxa_in, sandbox};

/// A fake registry answering every list of `default/demo` with one version.
fn registry() -> Server {
    Server::start(|_, _| {
        let v1 = json!({"uuid": "u1", "name": "v1", "stage": "testing"});
        ok(json!({"count": 1, "next": null, "results": [v1]}).to_string())
    })
}

fn write(home: &Path, file: &str, text: &str) {
    let dir = home.join(".polyaxon");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(file), text).unwrap();
}

fn read_json(home: &Path, file: &str) -> Value {
    let text = std::fs::read_to_string(home.join(".polyaxon").join(file)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}: {text}"))
}

#[test]
fn a_host_without_a_scheme_is_read_as_http_as_the_official_cli_reads_it() {
    let server = registry();
    let hostport = server.url.trim_start_matches("http://").to_string();
    let port = hostport.rsplit(':').next().unwrap().to_string();
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        ".client",
        &json!({"POLYAXON_HOST": hostport}).to_string(),
    );
    let (code, out, err) = pxa_in(home.path())
        .args(["ls", "-p", "demo", "-o", "name"])
        .run();
    assert_eq!((code, out.as_str()), (0, "v1\n"), "{err}");
    assert_eq!(err, "");
    for host in [hostport.clone(), format!("localhost:{port}")] {
        let (code, _, err) = pxa_in(home.path())
            .env("POLYAXON_HOST", &host)
            .args(["ls", "-p", "demo"])
            .run();
        assert_eq!(code, 0, "POLYAXON_HOST={host}: {err}");
        let (code, _, err) = pxa_in(home.path())
            .args(["ls", "-p", "demo", "--host", &host])
            .run();
        assert_eq!(code, 0, "--host {host}: {err}");
    }
    assert_eq!(server.total(), 5);
    let (code, out, err) = pxa_in(home.path())
        .args(["config", "show", "-o", "json"])
        .run();
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["host"]["value"], format!("http://{hostport}/"));
    // pxa saves the host with its scheme, which both CLIs read.
    let (code, _, err) = pxa_in(home.path())
        .args(["config", "set", "host", &hostport])
        .run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read_json(home.path(), ".client")["POLYAXON_HOST"],
        format!("http://{hostport}")
    );
}

#[test]
#[ignore = "needs the sandbox"]
fn a_host_saved_by_the_official_cli_without_a_scheme_works() {
    let sb = sandbox();
    let hostport = sb
        .host
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let status = sb
        .polyaxon()
        .env_remove("POLYAXON_HOST")
        .args(["config", "set", &format!("--host={hostport}")])
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    assert_eq!(
        read_json(sb.home.path(), ".client")["POLYAXON_HOST"],
        hostport.as_str()
    );
    let (code, out, err) = sb
        .pxa()
        .env_remove("POLYAXON_HOST")
        .args(["ls", "-p", sb.project(), "-l", "3", "-o", "name"])
        .run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
}

#[test]
fn config_show_set_and_unset_work_whatever_the_files_hold() {
    let server = registry();
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        ".client",
        r#"{"POLYAXON_HOST": "ftp://files.example.com", "timeout": "soon"}"#,
    );
    // Other commands refuse the bad host, naming where it comes from.
    let (code, _, err) = pxa_in(home.path()).args(["ls", "-p", "demo"]).run();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".polyaxon/.client"), "{err}");
    // `config` does not: show says what is wrong, set repairs it, unset removes it.
    let (code, out, err) = pxa_in(home.path()).args(["config", "show"]).run();
    assert_outcome!(code, out, err, name = "config_show_with_bad_values");
    let (code, _, err) = pxa_in(home.path())
        .args(["config", "set", "host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pxa_in(home.path()).args(["config", "unset", "token"]).run();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pxa_in(home.path())
        .args(["ls", "-p", "demo", "--timeout", "5"])
        .run();
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = pxa_in(home.path()).args(["config", "unset", "host"]).run();
    assert_eq!(code, 0, "{err}");
    assert!(
        read_json(home.path(), ".client")
            .get("POLYAXON_HOST")
            .is_none()
    );
}

#[test]
fn files_that_are_not_json_are_named_in_one_warning_each() {
    let server = registry();
    let home = tempfile::tempdir().unwrap();
    write(
        home.path(),
        ".client",
        r#"{"POLYAXON_HOST": "http://127.0.0.1:9","#,
    );
    write(home.path(), ".auth", "token: abc\n");
    let (code, out, err) = pxa_in(home.path()).args(["config", "show"]).run();
    assert_outcome!(
        code,
        out,
        err,
        name = "config_show_with_files_that_are_not_json"
    );
    let (code, _, err) = pxa_in(home.path())
        .args(["ls", "-p", "demo", "--host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("warning:").count(), 2, "{err}");
    assert_eq!(err.matches(".polyaxon/.client").count(), 1, "{err}");
    assert_eq!(err.matches(".polyaxon/.auth").count(), 1, "{err}");
    // Saving a setting replaces what could not be read, and keeps a copy of it.
    let (code, _, err) = pxa_in(home.path())
        .args(["config", "set", "host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read_json(home.path(), ".client"),
        json!({"POLYAXON_HOST": server.url})
    );
    let kept = std::fs::read_to_string(home.path().join(".polyaxon/.client.bad")).unwrap();
    assert_eq!(kept, r#"{"POLYAXON_HOST": "http://127.0.0.1:9","#);
    let (code, _, err) = pxa_in(home.path()).args(["ls", "-p", "demo"]).run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
}

#[test]
fn config_show_as_json_has_typed_values() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = pxa_in(home.path())
        .args(["config", "show", "-o", "json"])
        .run();
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["token"], json!({"value": null, "source": null}));
    assert_eq!(v["project"], json!({"value": null, "source": null}));
    assert_eq!(v["verify_ssl"], json!({"value": true, "source": "default"}));
    assert_eq!(v["timeout"], json!({"value": 60.0, "source": "default"}));
    assert_eq!(v["host"]["value"], "http://localhost:8000/");
    let (code, out, err) = pxa_in(home.path())
        .env("POLYAXON_VERIFY_SSL", "false")
        .args(["config", "show", "-o", "yaml"])
        .run();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("verify_ssl:\n  value: false\n"), "{out}");
    assert!(out.contains("token:\n  value: null\n"), "{out}");
}

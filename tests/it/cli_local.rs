//! Local commands that need no server: completions, man page, config, color, broken pipes.

use std::io::Read;
use std::process::Stdio;

use crate::support::{Pxa, block_on, pxa, pxa_in, run};

#[test]
fn bash_completion_parses_in_bash() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(pxa_in(home.path()).args(["completions", "bash"]));
    assert_eq!(code, 0, "{err}");
    let script = home.path().join("pxa.bash");
    std::fs::write(&script, &out).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success(), "bash -n rejected the completion script");
    // Loading it registers the completion function.
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p pxa", script.display()))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("_pxa"),
        "{check:?}"
    );
    for sub in ["get", "ls", "stages", "config"] {
        assert!(out.contains(sub), "bash completion lacks {sub}");
    }
}

#[test]
fn other_shells_generate() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(pxa_in(home.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("pxa") && out.contains("stages"), "{shell}");
    }
    let (code, _, err) = run(pxa_in(home.path()).args(["completions", "tcsh"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn man_page_renders() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(pxa_in(home.path()).arg("man"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH pxa 1"), "{out}");
    let page = home.path().join("pxa.1");
    std::fs::write(&page, &out).unwrap();
    let rendered = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-P", "-cbou"])
        .arg(&page)
        .output()
        .expect("groff runs");
    assert!(rendered.status.success());
    let text = String::from_utf8_lossy(&rendered.stdout);
    for word in ["NAME", "SYNOPSIS", "stages", "host", "completions"] {
        assert!(text.contains(word), "man page lacks {word}");
    }
}

#[test]
fn config_show_names_each_source() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".polyaxon");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".client"),
        r#"{"POLYAXON_HOST":"http://from-file:1"}"#,
    )
    .unwrap();
    std::fs::write(dir.join(".auth"), r#"{"token":"file-token-abc"}"#).unwrap();
    let show = |cmd: &mut Pxa| -> serde_json::Value {
        let (code, out, err) = run(cmd.args(["config", "show", "-o", "json"]));
        assert_eq!(code, 0, "{err}");
        assert!(
            !out.contains("token-abc") && !err.contains("token-abc"),
            "token shown: {out}"
        );
        serde_json::from_str(&out).unwrap()
    };
    let v = show(&mut pxa_in(home.path()));
    assert_eq!(v["host"]["value"], "http://from-file:1/");
    assert!(v["host"]["source"].as_str().unwrap().starts_with("file "));
    assert_eq!(v["token"]["value"], "set (hidden)");
    assert_eq!(v["timeout"]["source"], "default");
    let v = show(pxa_in(home.path()).env("POLYAXON_HOST", "http://from-env:2"));
    assert_eq!(v["host"]["source"], "env POLYAXON_HOST");
    let v = show(
        pxa_in(home.path())
            .env("POLYAXON_HOST", "http://from-env:2")
            .args(["--host", "http://from-flag:3"]),
    );
    assert_eq!(v["host"]["value"], "http://from-flag:3/");
    assert_eq!(v["host"]["source"], "flag --host");
}

#[test]
fn config_set_and_unset_write_private_files_the_official_cli_reads() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) =
        run(pxa_in(home.path()).args(["config", "set", "host", "http://127.0.0.1:9/"]));
    assert_eq!(code, 0, "{err}");
    let mut cmd = pxa_in(home.path());
    cmd.args(["config", "set", "token", "-"])
        .write_stdin("tok-from-stdin\n");
    let (code, out, err) = run(&cmd);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("tok-from-stdin") && !err.contains("tok-from-stdin"));
    let (code, _, err) = run(pxa_in(home.path()).args(["config", "set", "project", "acme/demo"]));
    assert_eq!(code, 0, "{err}");
    let dir = home.path().join(".polyaxon");
    let client: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".client")).unwrap()).unwrap();
    assert_eq!(client["POLYAXON_HOST"], "http://127.0.0.1:9");
    let auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".auth")).unwrap()).unwrap();
    assert_eq!(auth["POLYAXON_AUTH_TOKEN"], "tok-from-stdin");
    #[cfg(unix)]
    for file in [".client", ".auth", ".project"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{file}");
    }
    // The saved project is used when -p is missing: the request goes to acme/demo.
    let (code, _, err) = run(pxa_in(home.path()).args(["get", "--version", "v1"]));
    assert_eq!(code, 8, "{err}");
    assert!(
        err.contains("/api/v1/acme/demo/versions/artifact/v1"),
        "{err}"
    );
    let (code, _, err) = run(pxa_in(home.path()).args(["config", "unset", "token"]));
    assert_eq!(code, 0, "{err}");
    let auth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".auth")).unwrap()).unwrap();
    assert!(auth.get("POLYAXON_AUTH_TOKEN").is_none());
    let (code, _, _) = run(pxa_in(home.path()).args(["config", "set", "host", "not a url"]));
    assert_eq!(code, 2);
}

#[test]
fn color_never_and_always() {
    let home = tempfile::tempdir().unwrap();
    let (_, _, err) =
        run(pxa_in(home.path()).args(["--color", "always", "ls", "-p", "bad project"]));
    assert!(err.contains("\x1b[1;31merror:"), "{err:?}");
    let (_, _, err) =
        run(pxa_in(home.path()).args(["--color", "never", "ls", "-p", "bad project"]));
    assert!(err.starts_with("error:"), "{err:?}");
    let (_, _, err) =
        run(pxa_in(home.path())
            .env("NO_COLOR", "1")
            .args(["ls", "-p", "bad project"]));
    assert!(!err.contains('\x1b'), "{err:?}");
}

#[test]
fn broken_pipe_exits_zero_quietly() {
    // `pxa ls | head -c 16`: far more output than a pipe holds, and the reader goes away.
    let server = block_on(async {
        let server = wiremock::MockServer::start().await;
        let items: Vec<_> = (0..100)
            .map(|i| serde_json::json!({"name": format!("v{i:03}"), "stage": "testing", "description": "x".repeat(3000)}))
            .collect();
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"count": 100, "next": null, "previous": null, "results": items}),
            ))
            .mount(&server)
            .await;
        server
    });
    // wiremock serves from a thread of its own: this thread may block on pxa.
    let mut cmd = pxa();
    cmd.args(["ls", "-p", "demo", "-l", "100", "--host", &server.uri()]);
    let mut child = cmd
        .process()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

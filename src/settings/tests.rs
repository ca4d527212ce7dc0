//! Unit tests of settings resolution: precedence, config files, TLS, hosts, project cache.
use super::*;
use std::collections::HashMap;

fn resolve(flags: Flags, vars: &[(&str, &str)], home: Option<&Path>) -> Result<Settings, CliError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let env = move |k: &str| map.get(k).cloned();
    Settings::resolve(&flags, &env, home.map(Path::to_path_buf))
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn defaults() {
    let s = resolve(Flags::default(), &[], None).unwrap();
    assert_eq!(s.host.as_str(), "http://localhost:8000/");
    assert!(s.token.is_none());
    assert!(s.verify_tls);
    assert_eq!(s.timeout, Duration::from_secs(60));
    assert_eq!(s.sources["host"], Source::Default);
}

#[test]
fn precedence_flag_env_file() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".polyaxon/.client"),
        r#"{"POLYAXON_HOST":"http://file:1","timeout":5}"#,
    );
    write(
        &home.path().join(".polyaxon/.auth"),
        r#"{"username":"u","token":"tok-file"}"#,
    );
    let s = resolve(Flags::default(), &[], Some(home.path())).unwrap();
    assert_eq!(s.host.as_str(), "http://file:1/");
    assert_eq!(s.token.as_ref().unwrap().expose(), "tok-file");
    assert_eq!(s.timeout, Duration::from_secs(5));
    assert!(matches!(s.sources["host"], Source::File(_)));

    let vars = [
        ("POLYAXON_HOST", "http://env:2"),
        ("POLYAXON_AUTH_TOKEN", "tok-env"),
    ];
    let s = resolve(Flags::default(), &vars, Some(home.path())).unwrap();
    assert_eq!(s.host.as_str(), "http://env:2/");
    assert_eq!(s.token.as_ref().unwrap().expose(), "tok-env");
    assert_eq!(s.sources["token"], Source::Env("POLYAXON_AUTH_TOKEN"));

    let flags = Flags {
        host: Some("https://flag:3/".into()),
        token: Some("tok-flag".into()),
        ..Flags::default()
    };
    let s = resolve(flags, &vars, Some(home.path())).unwrap();
    assert_eq!(s.host.as_str(), "https://flag:3/");
    assert_eq!(s.token.as_ref().unwrap().expose(), "tok-flag");
    assert_eq!(s.sources["host"], Source::Flag("--host"));
}

#[test]
fn polyaxon_home_and_home_file_move_the_config_dir() {
    let home = tempfile::tempdir().unwrap();
    let moved = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".polyaxon/.home"),
        &format!("POLYAXON_HOME: {}\n", moved.path().display()),
    );
    write(
        &moved.path().join(".polyaxon/.client"),
        r#"{"host":"http://moved:9"}"#,
    );
    let s = resolve(Flags::default(), &[], Some(home.path())).unwrap();
    assert_eq!(s.host.as_str(), "http://moved:9/");
    let vars = [("POLYAXON_HOME", home.path().to_str().unwrap())];
    let s = resolve(Flags::default(), &vars, Some(home.path())).unwrap();
    assert_eq!(s.host.as_str(), "http://localhost:8000/");
    let s = resolve(
        Flags::default(),
        &[("POLYAXON_NO_CONFIG", "true")],
        Some(home.path()),
    )
    .unwrap();
    assert_eq!(s.sources["host"], Source::Default);
}

#[test]
fn tls_verification_defaults_on() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".polyaxon/.client"),
        r#"{"POLYAXON_VERIFY_SSL":false}"#,
    );
    assert!(
        resolve(Flags::default(), &[], Some(home.path()))
            .unwrap()
            .verify_tls
    );
    let s = resolve(Flags::default(), &[("POLYAXON_VERIFY_SSL", "false")], None).unwrap();
    assert!(!s.verify_tls);
    let s = resolve(
        Flags {
            insecure: true,
            ..Flags::default()
        },
        &[],
        None,
    )
    .unwrap();
    assert!(!s.verify_tls);
    assert!(s.warnings().iter().any(|w| w.contains("disabled")));
    assert!(resolve(Flags::default(), &[("POLYAXON_VERIFY_SSL", "maybe")], None).is_err());
}

#[test]
fn bad_hosts_and_timeouts_are_usage_errors() {
    for host in ["ftp://x", "my host", "http://", "   ", "http://h?x=1"] {
        let flags = Flags {
            host: Some(host.into()),
            ..Flags::default()
        };
        let err = resolve(flags, &[], None).unwrap_err();
        assert_eq!(err.code, crate::exit::Code::Usage, "{host}");
    }
    for t in ["0", "-1", "abc", "NaN"] {
        assert!(
            resolve(Flags::default(), &[("POLYAXON_TIMEOUT", t)], None).is_err(),
            "{t}"
        );
    }
}

#[test]
fn a_host_without_a_scheme_is_plain_http_as_in_the_official_cli() {
    for (given, read) in [
        ("127.0.0.1:8840", "http://127.0.0.1:8840/"),
        ("localhost:8000/", "http://localhost:8000/"),
        ("polyaxon.example.com", "http://polyaxon.example.com/"),
        ("[::1]:8000", "http://[::1]:8000/"),
        ("https://h:1", "https://h:1/"),
    ] {
        let flags = Flags {
            host: Some(given.into()),
            ..Flags::default()
        };
        assert_eq!(resolve(flags, &[], None).unwrap().host.as_str(), read);
    }
}

#[test]
fn a_lenient_resolution_replaces_refused_values_by_their_defaults_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    write(
        &home.path().join(".polyaxon/.client"),
        r#"{"POLYAXON_HOST":"ftp://x","timeout":"soon"}"#,
    );
    write(&home.path().join(".polyaxon/.auth"), "{");
    let env = |_: &str| None;
    assert!(Settings::resolve(&Flags::default(), &env, Some(home.path().into())).is_err());
    let s = Settings::resolve_lenient(&Flags::default(), &env, Some(home.path().into()));
    assert_eq!(s.host.as_str(), "http://localhost:8000/");
    assert_eq!(s.sources["host"], Source::Default);
    assert_eq!(s.timeout, Duration::from_secs(60));
    let warnings = s.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].starts_with("ignoring ") && warnings[0].ends_with(
        ".polyaxon/.auth: it is not valid JSON (EOF while parsing an object at line 1 column 1); \
         fix it, or save a setting with `pxa config set` to replace it"
    ), "{warnings:?}");
    assert!(
        warnings[1].starts_with("invalid host `ftp://x`"),
        "{warnings:?}"
    );
}

#[test]
fn token_over_plain_http_warns_except_loopback() {
    let flags = Flags {
        host: Some("http://example.com".into()),
        token: Some("t".into()),
        ..Flags::default()
    };
    let s = resolve(flags, &[], None).unwrap();
    assert!(s.warnings().iter().any(|w| w.contains("unencrypted")));
    assert!(
        !s.warnings()
            .iter()
            .any(|w| w.contains('t') && w.contains("\"t\""))
    );
    let flags = Flags {
        host: Some("http://127.0.0.1:8000".into()),
        token: Some("t".into()),
        ..Flags::default()
    };
    assert!(resolve(flags, &[], None).unwrap().warnings().is_empty());
}

#[test]
fn cached_project_local_then_global() {
    let home = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let s = resolve(Flags::default(), &[], Some(home.path())).unwrap();
    assert_eq!(s.cached_project(cwd.path()), None);
    write(
        &home.path().join(".polyaxon/.project"),
        r#"{"owner":"acme","name":"global"}"#,
    );
    assert_eq!(s.cached_project(cwd.path()).unwrap().name, "global");
    write(
        &cwd.path().join(".polyaxon/.project"),
        r#"{"name":"local"}"#,
    );
    let p = s.cached_project(cwd.path()).unwrap();
    assert_eq!((p.owner.as_str(), p.name.as_str()), ("default", "local"));
}

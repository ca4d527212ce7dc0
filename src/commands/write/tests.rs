//! Unit tests of the write-body building.

use super::*;
use crate::exit::Code;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn lists_are_split_trimmed_deduplicated() {
    assert_eq!(
        split_list("a, b,,a , c", "--tags").unwrap(),
        strings(&["a", "b", "c"])
    );
    assert_eq!(
        split_list(r#"["a","b", "a"]"#, "--tags").unwrap(),
        strings(&["a", "b"])
    );
    assert_eq!(
        split_list("[x, y]", "--tags").unwrap(),
        strings(&["x", "y"])
    );
    assert_eq!(split_list("", "--tags").unwrap(), Vec::<String>::new());
    assert_eq!(split_list(" , ", "--tags").unwrap(), Vec::<String>::new());
    assert_eq!(
        split_list("[1, true]", "--tags").unwrap(),
        strings(&["1", "true"])
    );
    let err = split_list("[a, b", "--tags").unwrap();
    assert_eq!(err, strings(&["[a", "b"]), "not a list: split on commas");
    assert_eq!(
        split_list("[\"a\", [b]", "--tags").unwrap_err().code,
        Code::Usage
    );
}

#[test]
fn tags_merge_keeps_order() {
    let current = strings(&["a", "b"]);
    assert_eq!(
        merge_tags(&current, &strings(&["c", "a"]), &strings(&["b"])),
        strings(&["a", "c"])
    );
    assert_eq!(merge_tags(&[], &[], &strings(&["x"])), Vec::<String>::new());
}

#[test]
fn create_body_has_name_fields_and_kind() {
    let fields = Fields {
        description: Some("d".into()),
        tags: Some(strings(&["a", "b"])),
        content: Some(r#"{"foo": "bar"}"#.into()),
        run: Some("0123456789abcdef0123456789abcdef".into()),
        artifacts: Some(strings(&["model"])),
        ..Fields::default()
    };
    let body = fields.create_body("v1", Kind::Model);
    assert_eq!(
        body,
        json!({"name":"v1","description":"d","content":"{\"foo\": \"bar\"}",
               "run":"0123456789abcdef0123456789abcdef","tags":["a","b"],
               "artifacts":["model"],"kind":"model"})
    );
    // The content is a string, never an object (the server refuses objects).
    assert!(body["content"].is_string());
}

#[test]
fn patch_body_has_only_given_fields() {
    let fields = Fields {
        description: Some("forced".into()),
        ..Fields::default()
    };
    assert_eq!(fields.patch_body(), json!({"description":"forced"}));
    let rename = Fields {
        name: Some("v2".into()),
        tags: Some(vec![]),
        ..Fields::default()
    };
    assert_eq!(rename.patch_body(), json!({"name":"v2","tags":[]}));
    assert!(Fields::default().is_empty());
    assert!(!rename.is_empty());
}

#[test]
fn content_must_be_a_mapping() {
    assert!(parse_mapping(r#"{"a": 1}"#, "--content").is_ok());
    assert!(parse_mapping("a: 1\nb: [x]\n", "--content").is_ok());
    for bad in [
        "just text",
        "[1, 2]",
        "",
        "42",
        "{\"a\": ",
        "a: [1",
        "{}",
        "{ }",
    ] {
        let err = parse_mapping(bad, "--content").unwrap_err();
        assert_eq!(err.code, Code::Usage, "{bad:?}");
        assert!(err.hint.is_some());
    }
    assert_eq!(content_arg(r#"{"k": "v"}"#).unwrap(), r#"{"k": "v"}"#);
    assert_eq!(content_or_clear("").unwrap(), "");
    assert!(content_arg("").is_err());
    assert!(content_or_clear("{}").is_err());
}

#[test]
fn content_from_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.json");
    std::fs::write(&path, "{\"x\": 1}\n").unwrap();
    let arg = format!("@{}", path.display());
    assert_eq!(content_arg(&arg).unwrap(), "{\"x\": 1}\n");
    let missing = format!("@{}", dir.path().join("nope").display());
    assert_eq!(content_arg(&missing).unwrap_err().code, Code::Usage);
}

#[test]
fn component_file_becomes_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, "version: 1.1\nkind: component\nrun:\n  kind: job\n").unwrap();
    let text = component_file(path.to_str().unwrap()).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["kind"], "component");
    assert_eq!(value["run"]["kind"], "job");
    std::fs::write(&path, "version: 1.1\nkind: operation\n").unwrap();
    assert!(component_file(path.to_str().unwrap()).is_err());
}

#[test]
fn uuids() {
    for ok in [
        "6de0b57635c842abb378fb1379d4dfec",
        "6DE0B576-35C8-42AB-B378-FB1379D4DFEC",
    ] {
        assert_eq!(validate_uuid(ok).unwrap(), ok);
    }
    for bad in [
        "",
        "x",
        "6de0b57635c842abb378fb1379d4dfe",
        "6de0b57635c842abb378fb1379d4dfeg",
        "6de0b576-35c842ab-b378-fb1379d4dfec-",
        "6de0b5763-5c8-42ab-b378-fb1379d4dfec",
    ] {
        assert!(validate_uuid(bad).is_err(), "{bad}");
    }
}

#[test]
fn stage_condition_like_the_official_cli() {
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-27T14:27:37.139650Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let c = stage_condition(Stage::Staging, "GithubAction", Some("Use carefully"), now);
    assert_eq!(
        c,
        json!({"type":"staging","status":true,"reason":"GithubAction","message":"Use carefully",
               "last_update_time":"2026-11-27T14:27:37.139650+00:00",
               "last_transition_time":"2026-11-27T14:27:37.139650+00:00"})
    );
    let c = stage_condition(Stage::Production, "PxaStageUpdate", None, now);
    assert!(c.get("message").is_none());
}

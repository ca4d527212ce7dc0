use super::*;
use crate::pull::plan::{Entry, Fetch};
use crate::pull::tree::{CostModel, Found, plan};
use crate::pull::verify::record_of;

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

/// A previous copy holding `files`, with a manifest recording them (and their mtimes).
fn copy(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut records = Vec::new();
    for (rel, bytes) in files {
        write(dir.path(), rel, bytes);
        let mut r = record_of(dir.path(), rel).unwrap();
        r.mtime_ns = mtime_ns(&fs::metadata(dir.path().join(rel)).unwrap());
        records.push(r);
    }
    let m = serde_json::json!({"pxa_manifest": 2, "kind": "model", "version": "v",
        "pulled_at": "t", "files": records});
    fs::write(dir.path().join(".pxa-manifest.json"), m.to_string()).unwrap();
    dir
}

#[test]
fn a_file_is_unchanged_by_size_and_time_or_else_by_hash() {
    let dir = copy(&[("a.bin", b"aaaa"), ("b.bin", b"bbbb")]);
    let ex = Existing::load(dir.path()).unwrap();
    assert!(ex.unchanged("a.bin", 4).is_some());
    assert!(
        ex.unchanged("a.bin", 5).is_none(),
        "the tree lists another size"
    );
    assert!(ex.unchanged("missing", 4).is_none());
    // Touched, same bytes: hashed, kept. Same size, other bytes: not kept.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    let f = fs::File::options()
        .write(true)
        .open(dir.path().join("a.bin"))
        .unwrap();
    f.set_modified(later).unwrap();
    assert!(ex.unchanged("a.bin", 4).is_some());
    write(dir.path(), "b.bin", b"BBBB");
    assert!(ex.unchanged("b.bin", 4).is_none());
}

fn folder_plan(files: &[(&str, u64)]) -> EntryPlan {
    let mut root = crate::pull::tree::Folder {
        path: "m".into(),
        ..Default::default()
    };
    for (name, size) in files {
        root.files.push(crate::pull::tree::TreeFile {
            name: name.to_string(),
            size: *size,
        });
    }
    // Every file one request unless a tarball is cheaper.
    let p = plan(&Found::Folder(root), &COSTS);
    EntryPlan {
        entry: test_entry(),
        files: p.files as u64,
        bytes: p.bytes,
        pieces: p.pieces,
        keep: Vec::new(),
        events: false,
        broken: Vec::new(),
    }
}

fn test_entry() -> Entry {
    let base = crate::api::StreamBase {
        base: url::Url::parse("http://h:1").unwrap(),
        namespace: "polyaxon".into(),
        owner: "o".into(),
        project: "p".into(),
        uuid: "u".into(),
        connection: None,
    };
    let lineage = [crate::api::models::RunArtifact {
        name: Some("m".into()),
        kind: Some("dir".into()),
        path: Some("u/m".into()),
        ..Default::default()
    }];
    let e = crate::pull::plan::entries(&lineage, &base).unwrap();
    assert_eq!(e[0].fetch, Fetch::Dir);
    e.into_iter().next().unwrap()
}

#[test]
fn unchanged_files_are_kept_and_the_rest_fetched() {
    let big = vec![7u8; 300_000];
    let dir = copy(&[("m/w1.bin", &big), ("m/w2.bin", &big)]);
    let ex = Existing::load(dir.path()).unwrap();
    let mut p = folder_plan(&[("w1.bin", 300_000), ("w2.bin", 300_001), ("w3.bin", 10)]);
    let kept = keep_unchanged(&mut p, &ex);
    assert_eq!(kept.len(), 1);
    assert_eq!(p.keep, vec![("m/w1.bin".to_string(), 300_000)]);
    let fetched: Vec<&str> = p.pieces.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(fetched, ["m/w2.bin", "m/w3.bin"]);
}

#[test]
fn a_tarball_partly_unchanged_is_fetched_per_file_only_when_cheaper() {
    // 64 tiny files: one tarball. One changed: one request for it beats the tarball.
    let names: Vec<String> = (0..64).map(|i| format!("f{i:02}.bin")).collect();
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .map(|n| (format!("m/{n}"), vec![1u8; 100]))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let dir = copy(&refs);
    let ex = Existing::load(dir.path()).unwrap();
    let listed: Vec<(&str, u64)> = names.iter().map(|n| (n.as_str(), 100)).collect();
    let mut p = folder_plan(&listed);
    assert_eq!(p.pieces.len(), 1);
    assert_eq!(p.pieces[0].how, How::Tarball);
    write(dir.path(), "m/f03.bin", &[2u8; 100]);
    keep_unchanged(&mut p, &ex);
    assert_eq!(p.keep.len(), 63);
    assert_eq!(p.pieces.len(), 1);
    assert_eq!(
        (p.pieces[0].how, p.pieces[0].path.as_str()),
        (How::File, "m/f03.bin")
    );
    // Every file changed: the tarball stays whole.
    let mut p = folder_plan(&listed);
    let free = CostModel { ..COSTS };
    assert_eq!(free, COSTS);
    for n in &names {
        write(dir.path(), &format!("m/{n}"), &[3u8; 100]);
    }
    keep_unchanged(&mut p, &ex);
    assert!(p.keep.is_empty());
    assert_eq!(p.pieces[0].how, How::Tarball);
}

#[test]
fn outside_the_selected_entries_everything_but_metadata_is_carried() {
    let dir = copy(&[
        ("outputs/a.txt", b"a"),
        ("outputs/model/w", b"w"),
        ("version.plx.json", b"{}"),
    ]);
    write(dir.path(), "user-added.txt", b"mine");
    let ex = Existing::load(dir.path()).unwrap();
    let carried = ex.outside(&["outputs/model"]).unwrap();
    let paths: Vec<&str> = carried.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["outputs/a.txt", "user-added.txt"]);
    assert_eq!(carried[1].blake3, blake3::hash(b"mine").to_hex().as_str());
}

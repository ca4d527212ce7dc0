//! Unit tests of the folder plan: the choice per subtree, the tie and split rules, the order,
//! and the requests' URLs.

use url::Url;

use super::plan::{CostModel, How, Piece, Plan, plan};
use super::walk::{Folder, Found, TreeFile};
use crate::pull::plan::StreamBase;

pub(super) const KIB: u64 = 1024;
pub(super) const MIB: u64 = 1024 * KIB;
const RUN: &str = "6de0b57635c842abb378fb1379d4dfec";

/// Round numbers: a file costs 1 + its MiB, a tarball 3 + 2 per MiB, nothing per file.
const TOY: CostModel = CostModel {
    request: 1.0,
    file_mib: 1.0,
    tar_request: 3.0,
    tar_file: 0.0,
    tar_mib: 2.0,
    tar_mib_text: 2.0,
    tar_parallel: 2.0,
    split_gain: 0.9,
};

/// The folder `root` holding these files (paths relative to it) and empty folders.
pub(super) fn folder(root: &str, files: &[(&str, u64)], empty: &[&str]) -> Folder {
    let mut top = Folder {
        path: root.to_string(),
        ..Folder::default()
    };
    for (path, size) in files {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        at(&mut top, dir).files.push(TreeFile {
            name: name.to_string(),
            size: *size,
        });
    }
    for dir in empty {
        at(&mut top, dir);
    }
    sort(&mut top);
    top
}

fn at<'a>(mut f: &'a mut Folder, dir: &str) -> &'a mut Folder {
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        let path = f.child(part);
        let i = match f.dirs.iter().position(|d| d.path == path) {
            Some(i) => i,
            None => {
                f.dirs.push(Folder {
                    path,
                    ..Folder::default()
                });
                f.dirs.len() - 1
            }
        };
        f = &mut f.dirs[i];
    }
    f
}

fn sort(f: &mut Folder) {
    f.files.sort_by(|a, b| a.name.cmp(&b.name));
    f.dirs.sort_by(|a, b| a.path.cmp(&b.path));
    f.dirs.iter_mut().for_each(sort);
}

pub(super) fn plan_of(f: Folder, costs: &CostModel) -> Plan {
    plan(&Found::Folder(f), costs)
}

/// (how, path) of each piece, in plan order.
pub(super) fn shape(p: &Plan) -> Vec<(How, &str)> {
    p.pieces.iter().map(|x| (x.how, x.path.as_str())).collect()
}

pub(super) fn many(prefix: &str, n: usize, size: u64) -> Vec<(String, u64)> {
    (0..n)
        .map(|i| (format!("{prefix}f{i:04}.bin"), size))
        .collect()
}

pub(super) fn refs(v: &[(String, u64)]) -> Vec<(&str, u64)> {
    v.iter().map(|(p, s)| (p.as_str(), *s)).collect()
}

#[test]
fn cheaper_side_wins_and_a_tie_goes_to_per_file() {
    // 5 empty files: per-file 5, tarball 3.
    let p = plan_of(folder("o/d", &refs(&many("", 5, 0)), &[]), &TOY);
    assert_eq!(shape(&p), [(How::Tarball, "o/d")]);
    assert_eq!(p.pieces[0].files.len(), 5);
    // 3 empty files: 3 against 3, a tie.
    let p = plan_of(folder("o/d", &refs(&many("", 3, 0)), &[]), &TOY);
    assert_eq!(p.pieces.len(), 3);
    assert!(p.pieces.iter().all(|x| x.how == How::File));
    // 2 files of 10 MiB: per-file 22, tarball 43.
    let p = plan_of(folder("o/d", &refs(&many("", 2, 10 * MIB)), &[]), &TOY);
    assert_eq!(
        shape(&p),
        [(How::File, "o/d/f0000.bin"), (How::File, "o/d/f0001.bin")]
    );
}

#[test]
fn a_mixed_folder_takes_its_big_files_alone_and_its_small_subfolder_as_a_tarball() {
    let mut files = many("tok/", 6, 0);
    files.extend([
        ("w1.bin".to_string(), 8 * MIB),
        ("w2.bin".to_string(), 9 * MIB),
    ]);
    files.push(("cfg.json".to_string(), 0));
    let p = plan_of(folder("o/m", &refs(&files), &[]), &TOY);
    // Not tarred, so the folder's own files go per-file, the small one included.
    assert_eq!(
        shape(&p),
        [
            (How::File, "o/m/w2.bin"),
            (How::File, "o/m/w1.bin"),
            (How::Tarball, "o/m/tok"),
            (How::File, "o/m/cfg.json"),
        ]
    );
    assert_eq!(p.files, 9);
    assert_eq!(p.bytes, 17 * MIB);
    let tok = &p.pieces[2];
    assert_eq!(tok.files.len(), 6);
    assert!(tok.files.iter().all(|(f, _)| f.starts_with("o/m/tok/")));
}

#[test]
fn nested_subtrees_are_chosen_one_by_one() {
    let mut files = many("a/", 5, 0); // tarball
    files.extend(many("b/", 2, 0)); // per-file
    files.extend(many("c/d/", 5, 0)); // tarball, deep
    files.push(("c/big.bin".to_string(), 20 * MIB)); // alone
    let p = plan_of(folder("", &refs(&files), &[]), &TOY);
    let mut got = shape(&p);
    got.sort_by(|a, b| a.1.cmp(b.1));
    assert_eq!(
        got,
        [
            (How::Tarball, "a"),
            (How::File, "b/f0000.bin"),
            (How::File, "b/f0001.bin"),
            (How::File, "c/big.bin"),
            (How::Tarball, "c/d"),
        ]
    );
    // Every file comes exactly once.
    let mut all: Vec<&str> = p
        .pieces
        .iter()
        .flat_map(|x| x.files.iter().map(|(f, _)| f.as_str()))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 13);
}

#[test]
fn an_empty_folder_needs_no_request_but_is_listed() {
    let p = plan_of(folder("o/e", &[], &["x", "x/y"]), &TOY);
    assert!(p.pieces.is_empty());
    assert_eq!(p.folders, ["o/e", "o/e/x", "o/e/x/y"]);
    assert_eq!((p.files, p.bytes), (0, 0));
    // Empty folders beside files are listed too (a tarball leaves them out).
    let p = plan_of(folder("o/m", &refs(&many("", 5, 0)), &["keep"]), &TOY);
    assert_eq!(p.folders, ["o/m", "o/m/keep"]);
}

#[test]
fn a_file_entry_is_one_request() {
    let found = Found::File {
        path: "outputs/big.bin".into(),
        size: 5 * MIB,
    };
    let p = plan(&found, &TOY);
    assert_eq!(shape(&p), [(How::File, "outputs/big.bin")]);
    assert_eq!(
        p.pieces[0].files,
        [("outputs/big.bin".to_string(), 5 * MIB)]
    );
    assert_eq!((p.files, p.bytes), (1, 5 * MIB));
    assert!(p.folders.is_empty());
    assert!((p.estimate - 6.0).abs() < 1e-9);
}

#[test]
fn nothing_above_a_broken_link_is_tarred() {
    // The server's tarball of a folder holding a broken link is a 404.
    let mut f = folder(
        "o/m",
        &refs(&[many("ok/", 5, 0), many("bad/", 5, 0)].concat()),
        &[],
    );
    f.dirs[0].broken.push("dangling".into()); // o/m/bad
    let p = plan_of(f, &TOY);
    let mut got = shape(&p);
    got.sort_by(|a, b| a.1.cmp(b.1));
    assert_eq!(got.len(), 6);
    assert_eq!(got[5], (How::Tarball, "o/m/ok"));
    assert!(
        got[..5]
            .iter()
            .all(|(h, p)| *h == How::File && p.starts_with("o/m/bad/"))
    );
    assert_eq!(p.broken, ["o/m/bad/dangling"]);
}

#[test]
fn an_ambiguous_folder_is_asked_for_with_check_path() {
    let mut f = folder(
        "o/m",
        &[("latest/latest", 4 * MIB), ("w.bin", 4 * MIB)],
        &[],
    );
    f.dirs[0].ambiguous = true;
    let p = plan_of(f, &TOY);
    let mut got = shape(&p);
    got.sort_by(|a, b| a.1.cmp(b.1));
    assert_eq!(
        got,
        [(How::FileOrTarball, "o/m/latest"), (How::File, "o/m/w.bin")]
    );
    let either = p
        .pieces
        .iter()
        .find(|x| x.how == How::FileOrTarball)
        .unwrap();
    assert_eq!(either.files, [("o/m/latest/latest".to_string(), 4 * MIB)]);
    assert!((either.cost - 5.0).abs() < 1e-9, "priced as one file");
}

#[test]
fn a_long_tarball_is_split_when_its_parts_finish_sooner() {
    // Two sub-folders of 10 files × 1 MiB: one tarball 3 + 40 = 43; apart, two tarballs of
    // 23 each, two at once: max(46 / 2, 23) = 23.
    let files = [many("a/", 10, MIB), many("b/", 10, MIB)].concat();
    let costs = CostModel {
        file_mib: 10.0,
        ..TOY
    };
    let p = plan_of(folder("o/s", &refs(&files), &[]), &costs);
    assert_eq!(
        shape(&p),
        [(How::Tarball, "o/s/a"), (How::Tarball, "o/s/b")]
    );
    assert!((p.estimate - 23.0).abs() < 1e-9, "{}", p.estimate);
    // One server core: splitting only adds a request, so the tarball stays whole.
    let one = CostModel {
        tar_parallel: 1.0,
        ..costs
    };
    let p = plan_of(folder("o/s", &refs(&files), &[]), &one);
    assert_eq!(shape(&p), [(How::Tarball, "o/s")]);
    // Not worth it below the split gain: a tarball of 43 against 40 is kept.
    let small_gain = CostModel {
        split_gain: 0.9,
        tar_parallel: 1.1,
        ..costs
    };
    let p = plan_of(folder("o/s", &refs(&files), &[]), &small_gain);
    assert_eq!(shape(&p), [(How::Tarball, "o/s")]);
}

#[test]
fn a_split_tarballs_own_files_come_per_file() {
    let files = [many("a/", 10, MIB), many("b/", 10, MIB), many("", 1, 0)].concat();
    let costs = CostModel {
        file_mib: 10.0,
        ..TOY
    };
    let p = plan_of(folder("o/s", &refs(&files), &[]), &costs);
    assert_eq!(
        shape(&p),
        [
            (How::Tarball, "o/s/a"),
            (How::Tarball, "o/s/b"),
            (How::File, "o/s/f0000.bin")
        ]
    );
}

#[test]
fn the_order_is_most_expensive_first_then_by_path_and_is_stable() {
    let files = [
        ("c.bin".to_string(), 2 * MIB),
        ("a.bin".to_string(), 2 * MIB),
        ("b.bin".to_string(), 9 * MIB),
    ];
    let first = plan_of(folder("o", &refs(&files), &[]), &TOY);
    assert_eq!(
        shape(&first),
        [
            (How::File, "o/b.bin"),
            (How::File, "o/a.bin"),
            (How::File, "o/c.bin")
        ]
    );
    let mut reversed = files.to_vec();
    reversed.reverse();
    assert_eq!(plan_of(folder("o", &refs(&reversed), &[]), &TOY), first);
}

fn base() -> StreamBase {
    StreamBase {
        base: Url::parse("http://h:1").unwrap(),
        namespace: "polyaxon".into(),
        owner: "default".into(),
        project: "p".into(),
        uuid: RUN.into(),
        connection: Some("store".into()),
    }
}

#[test]
fn pieces_know_their_request_and_the_servers_archive_name() {
    let piece = |how, path: &str| Piece {
        how,
        path: path.into(),
        files: Vec::new(),
        bytes: 0,
        cost: 0.0,
    };
    let st = format!("http://h:1/streams/v1/polyaxon/default/p/runs/{RUN}");
    let file = piece(How::File, "outputs/a b/é.bin");
    assert_eq!(
        file.url(&base()).as_str(),
        format!("{st}/artifact?path=outputs%2Fa+b%2F%C3%A9.bin&force=true&connection=store")
    );
    assert_eq!(file.archive_name(RUN), None);
    let tar = piece(How::Tarball, "outputs/model");
    assert_eq!(
        tar.url(&base()).as_str(),
        format!("{st}/artifacts?path=outputs%2Fmodel&connection=store")
    );
    assert_eq!(tar.archive_name(RUN).unwrap(), "model.tar.gz");
    assert_eq!(
        piece(How::Tarball, "").archive_name(RUN).unwrap(),
        format!("{RUN}.tar.gz")
    );
    let either = piece(How::FileOrTarball, "outputs/ckpt");
    assert_eq!(
        either.url(&base()).as_str(),
        format!("{st}/artifacts?check_path=True&path=outputs%2Fckpt&force=true&connection=store")
    );
    assert_eq!(either.archive_name(RUN).unwrap(), "ckpt.tar.gz");
    assert_eq!(
        base().tree_url("outputs/m").as_str(),
        format!("{st}/artifacts/tree?path=outputs%2Fm&connection=store")
    );
}

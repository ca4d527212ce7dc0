//! Unit tests of the folder plan with the measured model: it picks what was measured fastest
//! on the bench's folders (docs/pull.md, "How a folder is fetched").

use super::plan::{COSTS, Contents, How, Piece, Plan, is_text};
use super::tests_plan::{KIB, MIB, folder, many, plan_of, refs, shape};

#[test]
fn measured_costs_choose_as_the_docs_say() {
    // Many small files: one tarball.
    let p = plan_of(folder("o/ds", &refs(&many("", 200, 4 * KIB)), &[]), &COSTS);
    assert_eq!(shape(&p), [(How::Tarball, "o/ds")]);
    // Four model shards: one request each.
    let p = plan_of(
        folder("o/shards", &refs(&many("", 4, 64 * MIB)), &[]),
        &COSTS,
    );
    assert_eq!(p.pieces.len(), 4);
    assert!(p.pieces.iter().all(|x| x.how == How::File));
    // Model weights beside a tokenizer folder of small files.
    let mut files = many("tokenizer/", 100, 2 * KIB);
    files.extend(many("", 3, 3 * MIB));
    let p = plan_of(folder("o/m", &refs(&files), &[]), &COSTS);
    let tars: Vec<&Piece> = p.pieces.iter().filter(|x| x.how == How::Tarball).collect();
    assert_eq!(tars.len(), 1);
    assert_eq!(tars[0].path, "o/m/tokenizer");
    assert_eq!(p.pieces.len(), 4);
}

/// The bench's folders (docs/pull.md, "How a folder is fetched"), with the measured model:
/// the plan picks what was measured fastest, and its estimate is within 25 % of that time.
#[test]
fn the_benchmarked_folders_are_planned_as_measured_best() {
    let close = |p: &Plan, measured: f64| {
        let r = p.estimate / measured;
        assert!(
            (0.75..1.25).contains(&r),
            "estimate {} s, measured {measured} s",
            p.estimate
        );
    };
    // 2,000 random files in 20 sub-folders: one tarball per sub-folder, two built at once
    // (measured: 1.05 s against 1.84 s as one tarball and 2.61 s per-file).
    let files: Vec<(String, u64)> = (0..2000)
        .map(|i| (format!("d{:02}/f{i:05}.bin", i % 20), 32 * KIB))
        .collect();
    let p = plan_of(folder("outputs/dataset", &refs(&files), &[]), &COSTS);
    assert_eq!(p.pieces.len(), 20);
    assert!(
        p.pieces
            .iter()
            .all(|x| x.how == How::Tarball && x.files.len() == 100)
    );
    assert_eq!(p.pieces[0].path, "outputs/dataset/d00");
    close(&p, 1.05);
    // 300 CSV files in 6 sub-folders: per-file (measured: 0.42 s against 1.43 s as one
    // tarball and 0.75 s as six).
    let files: Vec<(String, u64)> = (0..300)
        .map(|i| (format!("part-{}/f{i:04}.csv", i % 6), 32 * KIB))
        .collect();
    let p = plan_of(folder("outputs/small300", &refs(&files), &[]), &COSTS);
    assert_eq!(p.pieces.len(), 300);
    assert!(p.pieces.iter().all(|x| x.how == How::File));
    close(&p, 0.42);
    // Four 64 MiB shards: per-file (measured: 0.44 s against 5.37 s as a tarball).
    let p = plan_of(
        folder("outputs/shards", &refs(&many("", 4, 64 * MIB)), &[]),
        &COSTS,
    );
    assert_eq!(p.pieces.len(), 4);
    close(&p, 0.44);
}

#[test]
fn text_files_are_priced_at_the_text_rate() {
    assert!(is_text("a/b/metrics.CSV") && is_text("x.jsonl"));
    assert!(!is_text("w.bin") && !is_text("csv") && !is_text("a.csv.gz"));
    // 50 files of 32 KiB: as CSV a tarball costs 3x the requests, as .bin two thirds of them.
    let csv: Vec<(String, u64)> = (0..50)
        .map(|i| (format!("f{i:02}.csv"), 32 * KIB))
        .collect();
    let p = plan_of(folder("o/t", &refs(&csv), &[]), &COSTS);
    assert_eq!(p.pieces.len(), 50);
    assert!(p.pieces.iter().all(|x| x.how == How::File));
    let bin = many("", 50, 32 * KIB);
    let p = plan_of(folder("o/b", &refs(&bin), &[]), &COSTS);
    assert_eq!(shape(&p), [(How::Tarball, "o/b")]);
    let mut c = Contents::default();
    c.add("a.csv", 3 * MIB);
    c.add("b.bin", MIB);
    let want = COSTS.tar_request + 2.0 * COSTS.tar_file + 3.0 * COSTS.tar_mib_text + COSTS.tar_mib;
    assert!((COSTS.tarball(&c) - want).abs() < 1e-12);
}

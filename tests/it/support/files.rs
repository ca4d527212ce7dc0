//! Bytes and trees on disk, computed independently of pxa's code: test data, hashes, archives,
//! folder listings and the no-partial-file check.

use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

/// Hex sha256.
pub fn sha(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Hex BLAKE3, the hash pxa records.
pub fn b3(data: &[u8]) -> String {
    blake3::hash(data).to_hex().to_string()
}

/// Deterministic pseudo-random bytes.
pub fn blob(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A gzipped tarball of regular files; member names are written raw (`..` and `/` included).
pub fn tarball(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// A gzipped tarball holding one symlink `name` → `to`.
pub fn symlink_tarball(name: &str, to: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    let mut h = tar::Header::new_gnu();
    h.set_size(0);
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_path(name).unwrap();
    h.set_link_name(to).unwrap();
    h.set_cksum();
    b.append(&h, &[][..]).unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

/// Every non-directory under `dir` (symlinks not followed), as `/`-separated paths relative
/// to `dir`, in sorted order.
pub fn walk(dir: &Path) -> Vec<String> {
    fn visit(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(Result::unwrap)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = match prefix {
                "" => name,
                _ => format!("{prefix}/{name}"),
            };
            if entry.file_type().unwrap().is_dir() {
                visit(&entry.path(), &rel, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    visit(dir, "", &mut out);
    out
}

/// Every file under `dir` with the sha256 of its bytes, sorted by path.
pub fn tree(dir: &Path) -> Vec<(String, String)> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let s = sha(&std::fs::read(dir.join(&p)).unwrap());
            (p, s)
        })
        .collect()
}

/// No file or folder of the version's staging may be visible inside the final folder.
pub fn assert_no_partial(dest: &Path) {
    let names = if dest.exists() { walk(dest) } else { vec![] };
    for n in names {
        assert!(
            !n.contains(".pxa-partial") && !n.contains(".part") && !n.starts_with(".pxa/"),
            "staging file at a final path: {n}"
        );
    }
}

//! Safe streaming extraction of a `.tar.gz` into a fresh folder, hashing every file as it lands.
//! Small files are written by a pool of threads ([`Writers`]) while the next members are read.
//!
//! Refused (an [`Unsafe`] error, exit 9): absolute member paths, `..` components, links whose
//! target leaves the folder, and writing through a link. Device files and fifos are skipped.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use flate2::read::GzDecoder;
use tar::EntryType;

use super::verify::{FileRecord, hash_file};
use super::writers::{Job, POOLED_MAX, Writers, set_mode};

/// A tar member that would write outside the destination.
#[derive(Debug, thiserror::Error)]
#[error("unsafe archive member `{member}`: {why}")]
pub struct Unsafe {
    pub member: String,
    pub why: String,
}

/// Why an extraction stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(transparent)]
    Unsafe(#[from] Unsafe),
    /// Reading the stream or writing to disk failed (a cut download shows up here).
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Un-gzips and extracts `reader` into `into` (created, must be empty or absent).
/// Returns every regular file and link written, relative to `into`, sorted by path. Reads the
/// stream to its end so the gzip trailer (CRC and length) is checked.
pub fn extract_tar_gz<R: Read>(reader: R, into: &Path) -> Result<Vec<FileRecord>, ExtractError> {
    fs::create_dir_all(into)?;
    let mut archive = tar::Archive::new(GzDecoder::new(reader));
    let mut writers = Writers::default();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let Some(rel) = safe_relative(&entry.path()?, &shown)? else {
            continue;
        };
        let member = Member {
            into,
            dest: into.join(&rel),
            rel,
            shown,
        };
        member.extract(&mut entry, &mut writers)?;
    }
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink())?;
    Ok(writers.finish()?)
}

/// One archive member on its way to `dest` (= `into` / `rel`).
struct Member<'a> {
    into: &'a Path,
    rel: PathBuf,
    dest: PathBuf,
    /// The member's name as written in the archive, for errors.
    shown: String,
}

impl Member<'_> {
    fn extract<R: Read>(
        self,
        entry: &mut tar::Entry<R>,
        writers: &mut Writers,
    ) -> Result<(), ExtractError> {
        let (into, rel, shown) = (self.into, &self.rel, self.shown.as_str());
        match entry.header().entry_type() {
            EntryType::Directory => {
                refuse_links_on_the_way(into, rel, shown)?;
                if writers.holds(rel) {
                    writers.drain()?;
                }
                fs::create_dir_all(&self.dest)?;
            }
            EntryType::Regular | EntryType::Continuous if entry.size() <= POOLED_MAX => {
                self.prepare(writers)?;
                let mut data = Vec::with_capacity(entry.size() as usize);
                entry.read_to_end(&mut data)?;
                writers.submit(Job {
                    mode: entry.header().mode().ok(),
                    rel: self.rel,
                    dest: self.dest,
                    data,
                })?;
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                self.prepare(writers)?;
                let mode = entry.header().mode().ok();
                let (size, hash) = write_hashed(entry, &self.dest, mode)?;
                writers.record(record(rel, size, hash, None));
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name()?
                    .ok_or_else(|| unsafe_(shown, "no target"))?;
                self.symlink(&target, writers)?;
            }
            EntryType::Link => {
                let target = entry
                    .link_name()?
                    .ok_or_else(|| unsafe_(shown, "no target"))?;
                self.hard_link(&target, writers)?;
            }
            // Metadata members are handled by the tar crate; devices and fifos are skipped.
            _ => {}
        }
        Ok(())
    }

    fn symlink(&self, target: &Path, writers: &mut Writers) -> Result<(), ExtractError> {
        check_link_target(&self.rel, target, &self.shown)?;
        self.prepare(writers)?;
        make_symlink(target, &self.dest)?;
        let text = target.to_string_lossy().into_owned();
        let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
        writers.record(record(&self.rel, text.len() as u64, hash, Some(text)));
        Ok(())
    }

    /// Creates the parent folders and removes whatever sits at the destination (never
    /// followed), after the pool wrote what it may still be writing there.
    fn prepare(&self, writers: &mut Writers) -> Result<(), ExtractError> {
        refuse_links_on_the_way(self.into, &self.rel, &self.shown)?;
        if writers.holds(&self.rel) {
            writers.drain()?;
        }
        if let Some(parent) = self.dest.parent() {
            fs::create_dir_all(parent)?;
        }
        if let Ok(m) = fs::symlink_metadata(&self.dest) {
            writers.drain()?;
            writers.forget(&slash_path(&self.rel));
            if m.is_dir() {
                fs::remove_dir_all(&self.dest)?;
            } else {
                fs::remove_file(&self.dest)?;
            }
        }
        Ok(())
    }

    /// A hard link becomes a copy of its source, which must be a file the archive wrote.
    fn hard_link(&self, target: &Path, writers: &mut Writers) -> Result<(), ExtractError> {
        let shown = self.shown.as_str();
        let target_rel = safe_relative(target, shown)?
            .ok_or_else(|| unsafe_(shown, "hard link to the folder itself"))?;
        refuse_links_on_the_way(self.into, &target_rel, shown)?;
        // The source may still be queued.
        writers.drain()?;
        self.prepare(writers)?;
        let source = self.into.join(&target_rel);
        if !fs::symlink_metadata(&source).is_ok_and(|m| m.is_file()) {
            return Err(unsafe_(shown, "hard link to a file not in the archive"));
        }
        fs::copy(&source, &self.dest)?;
        let (size, hash) = hash_file(&self.dest)?;
        writers.record(record(&self.rel, size, hash, None));
        Ok(())
    }
}

fn record(rel: &Path, size: u64, blake3: String, link: Option<String>) -> FileRecord {
    FileRecord {
        path: slash_path(rel),
        size,
        blake3,
        link,
        mtime_ns: None,
    }
}

/// A relative path as `/`-separated text.
pub fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn unsafe_(member: &str, why: &str) -> ExtractError {
    ExtractError::Unsafe(Unsafe {
        member: member.to_string(),
        why: why.to_string(),
    })
}

/// The member path without `.` components; `None` for the archive root itself.
fn safe_relative(path: &Path, shown: &str) -> Result<Option<PathBuf>, ExtractError> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_(shown, "contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_(shown, "absolute path"));
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

/// A link target (relative to the link's folder) must stay inside the destination.
fn check_link_target(link: &Path, target: &Path, shown: &str) -> Result<(), ExtractError> {
    if target.is_absolute() {
        return Err(unsafe_(shown, "link to an absolute path"));
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::ParentDir => depth -= 1,
            Component::CurDir => {}
            _ => return Err(unsafe_(shown, "link to an absolute path")),
        }
        if depth < 0 {
            return Err(unsafe_(shown, "link pointing outside the folder"));
        }
    }
    Ok(())
}

/// Refuses a path whose existing ancestors (inside `into`) include a symbolic link.
fn refuse_links_on_the_way(into: &Path, rel: &Path, shown: &str) -> Result<(), ExtractError> {
    let mut at = into.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(unsafe_(shown, "writes through a symbolic link"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Writes one archive member; the copy loop's own buffer makes a second one useless (most
/// members are small, and a large buffer per file costs more than the copy).
fn write_hashed<R: Read>(
    reader: &mut R,
    dest: &Path,
    mode: Option<u32>,
) -> io::Result<(u64, String)> {
    let file = File::create(dest)?;
    let written = super::verify::copy_hashed(reader, &file)?;
    set_mode(&file, mode);
    Ok(written)
}

#[cfg(unix)]
fn make_symlink(target: &Path, dest: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, dest)
}

#[cfg(not(unix))]
fn make_symlink(_: &Path, _: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    fn tarball(build: impl FnOnce(&mut tar::Builder<GzEncoder<Vec<u8>>>)) -> Vec<u8> {
        let mut b = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        build(&mut b);
        b.into_inner().unwrap().finish().unwrap()
    }

    fn file(b: &mut tar::Builder<GzEncoder<Vec<u8>>>, path: &str, data: &[u8]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(EntryType::Regular);
        // Raw name bytes: `append_data` would refuse `..` itself.
        h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    fn link(b: &mut tar::Builder<GzEncoder<Vec<u8>>>, kind: EntryType, path: &str, to: &str) {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_entry_type(kind);
        h.as_gnu_mut().unwrap().name[..path.len()].copy_from_slice(path.as_bytes());
        h.as_gnu_mut().unwrap().linkname[..to.len()].copy_from_slice(to.as_bytes());
        h.set_cksum();
        b.append(&h, &[][..]).unwrap();
    }

    #[test]
    fn extracts_and_hashes_nested_files() {
        let data = tarball(|b| {
            file(b, "a/b c/é.txt", b"hello");
            file(b, "empty", b"");
            link(b, EntryType::Symlink, "a/l", "b c/é.txt");
            link(b, EntryType::Link, "h", "empty");
        });
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x");
        let recs = extract_tar_gz(&data[..], &out).unwrap();
        let paths: Vec<_> = recs.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["a/b c/é.txt", "a/l", "empty", "h"]);
        assert_eq!(std::fs::read(out.join("a/b c/é.txt")).unwrap(), b"hello");
        assert_eq!(
            recs[0].blake3,
            // BLAKE3 of "hello" (as `b3sum` prints it).
            "ea8f163db38682925e4491c5e58d4bb3506ef8c14eb78a86e908c5624a67200f"
        );
        assert_eq!(std::fs::read(out.join("a/l")).unwrap(), b"hello");
    }

    #[test]
    fn pooled_writes_keep_archive_order_where_it_matters() {
        let big = vec![7u8; super::POOLED_MAX as usize + 1];
        let data = tarball(|b| {
            for i in 0..300 {
                file(
                    b,
                    &format!("d{}/f{i}", i % 7),
                    format!("body {i}").as_bytes(),
                );
            }
            file(b, "dup", b"first");
            file(b, "dup", b"second");
            link(b, EntryType::Link, "hard", "d0/f0");
            file(b, "big", &big);
        });
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x");
        let recs = extract_tar_gz(&data[..], &out).unwrap();
        assert!(recs.windows(2).all(|w| w[0].path <= w[1].path), "sorted");
        for i in [0, 1, 150, 299] {
            let path = format!("d{}/f{i}", i % 7);
            let body = std::fs::read(out.join(&path)).unwrap();
            assert_eq!(body, format!("body {i}").as_bytes());
            let rec = recs.iter().find(|r| r.path == path).unwrap();
            assert_eq!(rec.blake3, blake3::hash(&body).to_hex().as_str());
        }
        // A repeated member: the later one wins. A hard link copies its (pooled) source.
        assert_eq!(std::fs::read(out.join("dup")).unwrap(), b"second");
        assert_eq!(std::fs::read(out.join("hard")).unwrap(), b"body 0");
        assert_eq!(std::fs::read(out.join("big")).unwrap(), big);
        // One record per path: the replaced "dup" is forgotten.
        let dups = recs.iter().filter(|r| r.path == "dup").collect::<Vec<_>>();
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].blake3, blake3::hash(b"second").to_hex().as_str());
        assert_eq!(recs.len(), 300 + 3);
    }

    #[test]
    fn a_member_replacing_a_folder_drops_the_records_below_it() {
        let data = tarball(|b| {
            file(b, "sub/a", b"a");
            file(b, "sub/b", b"b");
            file(b, "subway", b"kept");
            file(b, "sub", b"now a file");
        });
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x");
        let recs = extract_tar_gz(&data[..], &out).unwrap();
        let paths: Vec<_> = recs.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["sub", "subway"]);
        assert_eq!(std::fs::read(out.join("sub")).unwrap(), b"now a file");
    }

    #[test]
    fn a_failed_pooled_write_fails_the_extraction() {
        // "a" is a file, then "a/b" needs it to be a folder.
        let data = tarball(|b| {
            file(b, "a", b"file");
            file(b, "a/b", b"cannot be");
        });
        let dir = tempfile::tempdir().unwrap();
        let err = extract_tar_gz(&data[..], &dir.path().join("x")).unwrap_err();
        assert!(matches!(err, ExtractError::Io(_)), "{err}");
    }

    #[test]
    fn refuses_escapes() {
        let cases: Vec<Vec<u8>> = vec![
            tarball(|b| file(b, "../x", b"no")),
            tarball(|b| file(b, "/etc/x", b"no")),
            tarball(|b| link(b, EntryType::Symlink, "root", "/")),
            tarball(|b| link(b, EntryType::Symlink, "a/up", "../../x")),
            tarball(|b| link(b, EntryType::Link, "h", "../../etc/passwd")),
            tarball(|b| {
                link(b, EntryType::Symlink, "d", ".");
                file(b, "d/x", b"through a link");
            }),
        ];
        for (i, data) in cases.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("x");
            let err = extract_tar_gz(&data[..], &out).unwrap_err();
            assert!(matches!(err, ExtractError::Unsafe(_)), "case {i}: {err}");
            assert!(!dir.path().join("etc").exists());
        }
    }
}

//! The staging folder beside a version's destination: lock, resume journal, placing finished
//! entries, and the final swap (old copy aside, staging in, old copy deleted).
//!
//! Layout under `<root>/<kind>s/`: `<version>/` (final), `.<version>.pxa-partial/` (staging,
//! whose `.pxa/` holds the journal, part files and extraction folders), `.<version>.pxa-old/`
//! (the previous copy during the swap) and `.<version>.pxa-lock`.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::verify::{FileRecord, MANIFEST, Manifest};

const WORK: &str = ".pxa";
const JOURNAL: &str = "journal.jsonl";

/// Whether a name in `<root>/<kind>s/` or in a version folder is pxa's own (staging folder,
/// previous copy, lock, manifest): `push` and other walkers of pulled folders must skip it.
pub fn is_internal(name: &str) -> bool {
    name.starts_with(".pxa")
        || (name.starts_with('.')
            && [".pxa-partial", ".pxa-old", ".pxa-lock"]
                .iter()
                .any(|s| name.ends_with(s)))
}

/// One finished entry, as the journal records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Done {
    key: String,
    files: Vec<FileRecord>,
}

/// A version being assembled.
pub struct Staging {
    pub dir: PathBuf,
    pub dest: PathBuf,
    old: PathBuf,
    lock_path: PathBuf,
    _lock: File,
    done: HashMap<String, Vec<FileRecord>>,
}

/// Another pull holds the lock on this version.
#[derive(Debug, thiserror::Error)]
#[error("another pxa pull is writing {0}")]
pub struct Busy(pub String);

impl Staging {
    /// Locks the version, recovers from an interrupted swap, and opens (or starts) the staging
    /// folder. A staging folder made for another plan (`fingerprint`) is discarded.
    pub fn open(kind_dir: &Path, version: &str, fingerprint: &str) -> anyhow::Result<Self> {
        fs::create_dir_all(kind_dir)?;
        let dest = kind_dir.join(version);
        let dir = kind_dir.join(format!(".{version}.pxa-partial"));
        let old = kind_dir.join(format!(".{version}.pxa-old"));
        let lock_path = kind_dir.join(format!(".{version}.pxa-lock"));
        let lock = acquire(&lock_path).map_err(|e| match e {
            Some(e) => anyhow::Error::from(e),
            None => Busy(dest.display().to_string()).into(),
        })?;
        if old.exists() {
            if dest.exists() {
                fs::remove_dir_all(&old)?;
            } else {
                fs::rename(&old, &dest)?;
            }
        }
        let work = dir.join(WORK);
        let same_plan = fs::read_to_string(work.join("plan")).is_ok_and(|p| p == fingerprint);
        if !same_plan && dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(work.join("x"))?;
        fs::create_dir_all(work.join("parts"))?;
        fs::write(work.join("plan"), fingerprint)?;
        let done = load_journal(&dir);
        Ok(Self {
            dir,
            dest,
            old,
            lock_path,
            _lock: lock,
            done,
        })
    }

    /// The files of an entry finished by an earlier run, if they are all still there.
    pub fn finished(&self, key: &str) -> Option<&Vec<FileRecord>> {
        self.done.get(key)
    }

    /// `.pxa/parts/<n>.part` and its validator file, for a single-file entry.
    pub fn part_paths(&self, n: usize) -> (PathBuf, PathBuf) {
        let parts = self.dir.join(WORK).join("parts");
        (
            parts.join(format!("{n}.part")),
            parts.join(format!("{n}.validator")),
        )
    }

    /// `.pxa/x/<n>`: where an entry's tarball is extracted before being placed.
    pub fn extract_dir(&self, n: usize) -> PathBuf {
        self.dir.join(WORK).join("x").join(n.to_string())
    }

    /// Moves a finished file or folder to `rel` in the staging folder (`""`: merged at the root).
    pub fn place(&self, from: &Path, rel: &str) -> io::Result<()> {
        if rel.is_empty() {
            return merge(from, &self.dir);
        }
        let to = self.dir.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        remove_any(&to)?;
        fs::rename(from, to)
    }

    /// Merges the children of `from` into the staging root (event packages).
    pub fn merge_root(&self, from: &Path) -> io::Result<()> {
        merge(from, &self.dir)
    }

    /// Appends a finished entry to the journal.
    pub fn record(&self, key: &str, files: &[FileRecord]) -> io::Result<()> {
        let line = serde_json::to_string(&Done {
            key: key.to_string(),
            files: files.to_vec(),
        })?;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(WORK).join(JOURNAL))?;
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()
    }

    /// Writes a metadata file into the staging folder.
    pub fn write(&self, name: &str, content: &str) -> io::Result<()> {
        fs::write(self.dir.join(name), content)
    }

    /// Writes the manifest, drops the work folder, and swaps the staging folder into place.
    pub fn commit(self, manifest: &Manifest) -> io::Result<PathBuf> {
        fs::remove_dir_all(self.dir.join(WORK))?;
        let mut f = File::create(self.dir.join(MANIFEST))?;
        serde_json::to_writer_pretty(&mut f, manifest)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        if self.dest.exists() {
            fs::rename(&self.dest, &self.old)?;
        }
        fs::rename(&self.dir, &self.dest)?;
        if self.old.exists() {
            fs::remove_dir_all(&self.old)?;
        }
        let _ = fs::remove_file(&self.lock_path);
        Ok(self.dest)
    }
}

/// Opens and locks the lock file; `Err(None)` when another pull holds it. A pull that finished
/// removes the file while holding the lock, so after locking we check the path still names the
/// file we locked, and start over if it does not (else two pulls could hold two different files).
fn acquire(path: &Path) -> Result<File, Option<io::Error>> {
    loop {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(Some)?;
        if lock.try_lock().is_err() {
            return Err(None);
        }
        if same_file(&lock, path) {
            return Ok(lock);
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

fn load_journal(dir: &Path) -> HashMap<String, Vec<FileRecord>> {
    let Ok(text) = fs::read_to_string(dir.join(WORK).join(JOURNAL)) else {
        return HashMap::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Done>(l).ok())
        .filter(|d| d.files.iter().all(|f| still_there(dir, f)))
        .map(|d| (d.key, d.files))
        .collect()
}

fn still_there(dir: &Path, f: &FileRecord) -> bool {
    match fs::symlink_metadata(dir.join(&f.path)) {
        Ok(m) if f.link.is_some() => m.file_type().is_symlink(),
        Ok(m) => m.is_file() && m.len() == f.size,
        Err(_) => false,
    }
}

fn remove_any(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Moves every child of `from` into `to`, merging folders, replacing files.
fn merge(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let is_dir = entry.file_type()?.is_dir();
        let target_is_dir = fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir());
        if is_dir && target_is_dir {
            merge(&entry.path(), &target)?;
        } else {
            remove_any(&target)?;
            fs::rename(entry.path(), &target)?;
        }
    }
    fs::remove_dir_all(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            pxa_manifest: crate::pull::verify::MANIFEST_FORMAT,
            kind: "artifact".into(),
            version: "v".into(),
            project: None,
            uuid: None,
            pulled_at: "t".into(),
            files: vec![],
        }
    }

    #[test]
    fn internal_names() {
        for n in [
            ".pxa-manifest.json",
            ".v1.pxa-partial",
            ".v1.pxa-old",
            ".v1.pxa-lock",
            ".pxa",
        ] {
            assert!(is_internal(n), "{n}");
        }
        for n in ["v1", "version.plx.json", ".hidden", "pxa-manifest.json"] {
            assert!(!is_internal(n), "{n}");
        }
    }

    #[test]
    fn swap_replaces_the_old_copy_and_resume_keeps_the_journal() {
        let root = tempfile::tempdir().unwrap();
        let kd = root.path().join("artifacts");
        fs::create_dir_all(kd.join("v")).unwrap();
        fs::write(kd.join("v/old.txt"), "old").unwrap();
        let s = Staging::open(&kd, "v", "plan-1").unwrap();
        assert!(Staging::open(&kd, "v", "plan-1").is_err(), "locked");
        s.write("a.txt", "A").unwrap();
        let rec = super::super::verify::record_of(&s.dir, "a.txt").unwrap();
        s.record("0:a", std::slice::from_ref(&rec)).unwrap();
        drop(s);
        // Same plan: resumed.
        let s = Staging::open(&kd, "v", "plan-1").unwrap();
        assert_eq!(s.finished("0:a").unwrap(), &vec![rec]);
        drop(s);
        // The previous copy is still untouched until commit.
        assert_eq!(fs::read_to_string(kd.join("v/old.txt")).unwrap(), "old");
        // Another plan: started afresh.
        let s = Staging::open(&kd, "v", "plan-2").unwrap();
        assert!(s.finished("0:a").is_none());
        s.write("b.txt", "B").unwrap();
        let dest = s.commit(&manifest()).unwrap();
        assert!(dest.join("b.txt").exists());
        assert!(!dest.join("old.txt").exists());
        assert!(!dest.join(WORK).exists());
        let names: Vec<_> = fs::read_dir(&kd)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("v")]);
    }
}

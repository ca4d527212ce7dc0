//! The staging folder beside a version's destination: resume journal, placing finished pieces,
//! and the final swap (old copy aside, staging in, old copy deleted), under the version's lock
//! ([`VersionLock`]).
//!
//! Layout under `<root>/<kind>s/`: `<version>/` (final), `.<version>.pxa-partial/` (staging,
//! whose `.pxa/` holds the journal, part files and extraction folders), `.<version>.pxa-old/`
//! (the previous copy during the swap) and `.<version>.pxa-lock`.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::lock::VersionLock;
use super::verify::{FileRecord, MANIFEST, Manifest, mtime_ns};

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

/// One finished piece, as the journal records it.
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
    lock: VersionLock,
    /// Whether downloads happen (a work folder with a journal); metadata-only pulls have none.
    work: bool,
    done: HashMap<String, Vec<FileRecord>>,
}

impl Staging {
    /// Recovers from an interrupted swap and opens (or starts) the staging folder of the
    /// locked version. With `work`, a staging folder made for the same plan (`fingerprint`) is
    /// resumed (its journal read), one made for another plan discarded; without, the folder
    /// starts empty.
    pub fn open(
        lock: VersionLock,
        kind_dir: &Path,
        version: &str,
        fingerprint: &str,
        work: bool,
    ) -> io::Result<Self> {
        let dest = kind_dir.join(version);
        let dir = kind_dir.join(format!(".{version}.pxa-partial"));
        let old = kind_dir.join(format!(".{version}.pxa-old"));
        if fs::symlink_metadata(&old).is_ok() {
            if fs::symlink_metadata(&dest).is_ok() {
                remove_any(&old)?;
            } else {
                fs::rename(&old, &dest)?;
            }
        }
        let work_dir = dir.join(WORK);
        let same_plan =
            work && fs::read_to_string(work_dir.join("plan")).is_ok_and(|p| p == fingerprint);
        if !same_plan {
            remove_any(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        let mut done = HashMap::new();
        if work {
            fs::create_dir_all(work_dir.join("x"))?;
            fs::create_dir_all(work_dir.join("parts"))?;
            fs::write(work_dir.join("plan"), fingerprint)?;
            done = load_journal(&dir);
        }
        Ok(Self {
            dir,
            dest,
            old,
            lock,
            work,
            done,
        })
    }

    /// The files of a piece finished by an earlier run, if they are all still there.
    pub fn finished(&self, key: &str) -> Option<&Vec<FileRecord>> {
        self.done.get(key)
    }

    /// `.pxa/parts/<id>.part` and its validator file, for a raw file.
    pub fn part_paths(&self, id: &str) -> (PathBuf, PathBuf) {
        let parts = self.dir.join(WORK).join("parts");
        (
            parts.join(format!("{id}.part")),
            parts.join(format!("{id}.validator")),
        )
    }

    /// `.pxa/x/<id>`: where a tarball is extracted before being placed.
    pub fn extract_dir(&self, id: &str) -> PathBuf {
        self.dir.join(WORK).join("x").join(id)
    }

    /// Removes the part files and extraction folders (what a full disk left and nothing can
    /// continue: the CE server ignores `Range`); placed pieces and the journal stay.
    pub fn drop_partial(&self) -> io::Result<()> {
        for sub in ["parts", "x"] {
            let path = self.dir.join(WORK).join(sub);
            remove_any(&path)?;
            fs::create_dir_all(&path)?;
        }
        Ok(())
    }

    /// Moves a finished file or folder to `rel` in the staging folder (`""`: merged at the root).
    pub fn place(&self, from: &Path, rel: &str) -> io::Result<()> {
        place_into(&self.dir, from, rel)
    }

    /// Puts a copy of `from` (a file of the previous copy) at `rel`: a hard link when the
    /// filesystem allows one (the previous copy is deleted at the swap), else a copy.
    pub fn link(&self, from: &Path, rel: &str) -> io::Result<()> {
        let to = self.dir.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        remove_any(&to)?;
        if fs::hard_link(from, &to).is_err() {
            fs::copy(from, &to)?;
        }
        Ok(())
    }

    /// Merges the children of `from` into the staging root (event packages).
    pub fn merge_root(&self, from: &Path) -> io::Result<()> {
        merge(from, &self.dir)
    }

    /// Appends a finished piece to the journal. Not synced: on resume every journalled file
    /// must still be there with its size, and a lost line only costs a download.
    pub fn record(&self, key: &str, files: &[FileRecord]) -> io::Result<()> {
        let mut line = serde_json::to_string(&Done {
            key: key.to_string(),
            files: files.to_vec(),
        })?;
        line.push('\n');
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(WORK).join(JOURNAL))?
            .write_all(line.as_bytes())
    }

    /// Writes a metadata file into the staging folder.
    pub fn write(&self, name: &str, content: &str) -> io::Result<()> {
        fs::write(self.dir.join(name), content)
    }

    /// Writes the manifest (each file's modification time added), drops the work folder, and
    /// swaps the staging folder into place. Nothing is synced: the swap is atomic for every
    /// reader and against a crash of pxa; what a power loss leaves is the filesystem's
    /// (`pxa verify` tells). Syncing the manifest alone promised nothing more, and made a
    /// pull wait for every byte any earlier write left in the page cache (ext4 commits a
    /// file's sync with all the data of its journal transaction).
    pub fn commit(self, mut manifest: Manifest) -> io::Result<PathBuf> {
        if self.work {
            fs::remove_dir_all(self.dir.join(WORK))?;
        }
        for f in manifest.files.iter_mut().filter(|f| f.link.is_none()) {
            f.mtime_ns = fs::metadata(self.dir.join(&f.path))
                .ok()
                .and_then(|m| mtime_ns(&m));
        }
        let mut text = serde_json::to_vec_pretty(&manifest)?;
        text.push(b'\n');
        fs::write(self.dir.join(MANIFEST), &text)?;
        if fs::symlink_metadata(&self.dest).is_ok() {
            fs::rename(&self.dest, &self.old)?;
        }
        fs::rename(&self.dir, &self.dest)?;
        if fs::symlink_metadata(&self.old).is_ok() {
            fs::remove_dir_all(&self.old)?;
        }
        let _ = fs::remove_file(&self.lock.path);
        Ok(self.dest)
    }
}

/// Moves a finished file or folder to `rel` in `dir` (`""`: merged into it), replacing what
/// is there.
pub fn place_into(dir: &Path, from: &Path, rel: &str) -> io::Result<()> {
    if rel.is_empty() {
        return merge(from, dir);
    }
    let to = dir.join(rel);
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    remove_any(&to)?;
    fs::rename(from, to)
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
            plan: None,
            streams: None,
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

    fn lock(kd: &Path) -> Result<VersionLock, super::super::lock::LockError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(VersionLock::acquire(
            kd,
            "v",
            std::time::Duration::ZERO,
            || {},
        ))
        .map(|(l, _)| l)
    }

    #[test]
    fn swap_replaces_the_old_copy_and_resume_keeps_the_journal() {
        let root = tempfile::tempdir().unwrap();
        let kd = root.path().join("artifacts");
        fs::create_dir_all(kd.join("v")).unwrap();
        fs::write(kd.join("v/old.txt"), "old").unwrap();
        let s = Staging::open(lock(&kd).unwrap(), &kd, "v", "plan-1", true).unwrap();
        assert!(lock(&kd).is_err(), "locked");
        s.write("a.txt", "A").unwrap();
        let rec = super::super::verify::record_of(&s.dir, "a.txt").unwrap();
        s.record("0:a", std::slice::from_ref(&rec)).unwrap();
        drop(s);
        // Same plan: resumed.
        let s = Staging::open(lock(&kd).unwrap(), &kd, "v", "plan-1", true).unwrap();
        assert_eq!(s.finished("0:a").unwrap(), &vec![rec]);
        drop(s);
        // The previous copy is still untouched until commit.
        assert_eq!(fs::read_to_string(kd.join("v/old.txt")).unwrap(), "old");
        // Another plan: started afresh.
        let s = Staging::open(lock(&kd).unwrap(), &kd, "v", "plan-2", true).unwrap();
        assert!(s.finished("0:a").is_none());
        s.write("b.txt", "B").unwrap();
        let mut m = manifest();
        m.files
            .push(super::super::verify::record_of(&s.dir, "b.txt").unwrap());
        let dest = s.commit(m).unwrap();
        assert!(dest.join("b.txt").exists());
        assert!(!dest.join("old.txt").exists());
        assert!(!dest.join(WORK).exists());
        let names: Vec<_> = fs::read_dir(&kd)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("v")]);
        let written = super::super::verify::read_manifest(&dest).unwrap();
        let mtime = fs::metadata(dest.join("b.txt"))
            .map(|m| mtime_ns(&m))
            .unwrap();
        assert!(mtime.is_some());
        assert_eq!(
            written.files[0].mtime_ns, mtime,
            "the manifest records the mtime"
        );
    }

    #[test]
    fn a_metadata_only_version_has_no_work_folder() {
        let root = tempfile::tempdir().unwrap();
        let kd = root.path().join("artifacts");
        let s = Staging::open(lock(&kd).unwrap(), &kd, "v", "p", false).unwrap();
        assert!(!s.dir.join(WORK).exists());
        s.write("version.plx.json", "{}").unwrap();
        let dest = s.commit(manifest()).unwrap();
        let mut names: Vec<_> = fs::read_dir(&dest)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [MANIFEST, "version.plx.json"]);
    }
}

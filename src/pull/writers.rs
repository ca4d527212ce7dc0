//! A few threads that create, write and hash the small files of an archive (and the records of
//! every file extracted), so that the kernel's per-file work (inode, directory entry, page
//! cache) runs beside the un-gzipping and reading of the next members instead of after it.
//!
//! The extracting thread stays in charge of every check and of the order that matters: it
//! prepares each member's folder, submits the member's bytes here, and drains the pool before
//! touching a path a queued file may still be written at (a repeated member, something to
//! remove, a hard link's source).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::extract::slash_path;
use super::verify::FileRecord;

/// Members up to this size are read into memory and written by the pool; larger ones are
/// streamed to disk by the extracting thread (memory stays bounded: a few MiB in flight).
pub const POOLED_MAX: u64 = 512 * 1024;

/// One small file to write.
pub struct Job {
    pub rel: PathBuf,
    pub dest: PathBuf,
    pub data: Vec<u8>,
    pub mode: Option<u32>,
}

type Worker = JoinHandle<io::Result<Vec<FileRecord>>>;

/// The pool; started at the first job, drained (every queued file written) on demand.
#[derive(Default)]
pub struct Writers {
    tx: Option<SyncSender<Job>>,
    workers: Vec<Worker>,
    in_flight: HashSet<PathBuf>,
    records: Vec<FileRecord>,
    failed: Arc<AtomicBool>,
}

impl Writers {
    /// Queues a file; returns a writer's error instead if one failed.
    pub fn submit(&mut self, job: Job) -> io::Result<()> {
        if self.failed.load(Ordering::Relaxed) {
            self.drain()?;
            return Err(io::Error::other("a file writer failed"));
        }
        self.in_flight.insert(job.rel.clone());
        let tx = self.tx.get_or_insert_with(|| {
            let (tx, rx) = sync_channel(queue_len());
            let rx = Arc::new(Mutex::new(rx));
            self.workers = (0..threads())
                .map(|_| {
                    let (rx, failed) = (Arc::clone(&rx), Arc::clone(&self.failed));
                    std::thread::spawn(move || work(&rx, &failed))
                })
                .collect();
            tx
        });
        if tx.send(job).is_err() {
            // Every writer stopped: one of them failed, and draining returns its error.
            self.drain()?;
            return Err(io::Error::other("the file writers stopped"));
        }
        Ok(())
    }

    /// Whether a file at `rel` or at one of its ancestors was submitted since the last drain.
    pub fn holds(&self, rel: &Path) -> bool {
        !self.in_flight.is_empty() && rel.ancestors().any(|a| self.in_flight.contains(a))
    }

    /// Waits until every queued file is written; the first error of a writer, if any.
    pub fn drain(&mut self) -> io::Result<()> {
        self.tx = None;
        self.in_flight.clear();
        let mut first = Ok(());
        for worker in self.workers.drain(..) {
            let result = worker
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("a file writer panicked")));
            match result {
                Ok(records) => self.records.extend(records),
                Err(e) => {
                    if first.is_ok() {
                        first = Err(e);
                    }
                }
            }
        }
        first
    }

    /// Adds the record of a file written outside the pool (a large file, a link).
    pub fn record(&mut self, record: FileRecord) {
        self.records.push(record);
    }

    /// Drops the records at `path` and below it: what was there is being replaced. Drain
    /// first, so that no queued record comes back.
    pub fn forget(&mut self, path: &str) {
        self.records.retain(|r| {
            r.path
                .strip_prefix(path)
                .is_none_or(|rest| !rest.is_empty() && !rest.starts_with('/'))
        });
    }

    /// Drains and returns the records of every file written, sorted by path.
    pub fn finish(mut self) -> io::Result<Vec<FileRecord>> {
        self.drain()?;
        let mut records = std::mem::take(&mut self.records);
        records.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(records)
    }
}

impl Drop for Writers {
    fn drop(&mut self) {
        let _ = self.drain();
    }
}

/// Two writers on a 2-core machine, at most four: more only contend for the same folders.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

fn queue_len() -> usize {
    2 * threads()
}

fn work(rx: &Mutex<Receiver<Job>>, failed: &AtomicBool) -> io::Result<Vec<FileRecord>> {
    let mut records = Vec::new();
    loop {
        let next = rx.lock().map_err(|_| io::Error::other("poisoned"))?.recv();
        let Ok(job) = next else {
            return Ok(records);
        };
        match write(&job) {
            Ok(record) => records.push(record),
            Err(e) => {
                failed.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
    }
}

/// Creates the file (never through something already there: the extracting thread removed
/// it), writes it and records its hash.
fn write(job: &Job) -> io::Result<FileRecord> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&job.dest)?;
    file.write_all(&job.data)?;
    set_mode(&file, job.mode);
    Ok(FileRecord {
        path: slash_path(&job.rel),
        size: job.data.len() as u64,
        blake3: blake3::hash(&job.data).to_hex().to_string(),
        link: None,
        mtime_ns: None,
    })
}

/// The member's permissions, owner-writable and without set-id bits (best effort).
#[cfg(unix)]
pub fn set_mode(file: &File, mode: Option<u32>) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(mode) = mode {
        let _ = file.set_permissions(std::fs::Permissions::from_mode((mode & 0o755) | 0o600));
    }
}

#[cfg(not(unix))]
pub fn set_mode(_: &File, _: Option<u32>) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(dir: &Path, rel: &str, data: &[u8]) -> Job {
        Job {
            rel: PathBuf::from(rel),
            dest: dir.join(rel),
            data: data.to_vec(),
            mode: Some(0o644),
        }
    }

    #[test]
    fn writes_hashes_and_tracks_what_is_queued() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Writers::default();
        for i in 0..50 {
            w.submit(job(dir.path(), &format!("f{i}"), format!("{i}").as_bytes()))
                .unwrap();
        }
        assert!(w.holds(Path::new("f7")) && w.holds(Path::new("f7/below")));
        assert!(!w.holds(Path::new("g")));
        w.drain().unwrap();
        assert!(!w.holds(Path::new("f7")));
        w.forget("f1");
        let records = w.finish().unwrap();
        assert_eq!(records.len(), 49, "f1 forgotten, f10..f19 kept");
        assert!(records.windows(2).all(|p| p[0].path < p[1].path));
        let r = records.iter().find(|r| r.path == "f10").unwrap();
        assert_eq!(
            (r.size, r.blake3.as_str()),
            (2, blake3::hash(b"10").to_hex().as_str())
        );
        assert_eq!(std::fs::read(dir.path().join("f42")).unwrap(), b"42");
    }

    #[test]
    fn a_writer_error_comes_back_and_nothing_is_written_through_an_existing_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("taken"), b"keep").unwrap();
        let mut w = Writers::default();
        w.submit(job(dir.path(), "taken", b"overwrite")).unwrap();
        // The failure is seen by a later submit or at the end, whichever comes first.
        let later = (0..100).try_for_each(|i| w.submit(job(dir.path(), &format!("n{i}"), b"x")));
        let end = w.finish();
        let err = later
            .err()
            .or(end.err())
            .expect("the failed write is reported");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        assert_eq!(std::fs::read(dir.path().join("taken")).unwrap(), b"keep");
    }
}

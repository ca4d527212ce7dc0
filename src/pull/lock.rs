//! The lock of one version folder, `<root>/<kind>s/.<version>.pxa-lock`: two pulls of the same
//! version never write at once. A second pull waits for the first (saying so once, as cargo
//! does), up to `--lock-timeout`, then goes on.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A held version lock; the file is removed by the pull that finishes
/// ([`Staging::commit`](super::place::Staging::commit)).
pub struct VersionLock {
    pub(super) path: PathBuf,
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another pxa pull is still writing {dest} after {} s (--lock-timeout)",
        waited.as_secs()
    )]
    Busy { dest: String, waited: Duration },
    #[error("locking {path}: {source}")]
    Io { path: String, source: io::Error },
}

/// How long to sleep between two tries: short at first, then every half second.
fn pause(tries: u32) -> Duration {
    Duration::from_millis((50 * u64::from(tries + 1)).min(500))
}

impl VersionLock {
    /// Takes the lock of `version` in `kind_dir` (created if missing). When another pull holds
    /// it, calls `on_wait` once and tries again until `wait` has passed. Returns the lock and
    /// whether it had to wait.
    pub async fn acquire(
        kind_dir: &Path,
        version: &str,
        wait: Duration,
        on_wait: impl FnOnce(),
    ) -> Result<(Self, bool), LockError> {
        let path = kind_dir.join(format!(".{version}.pxa-lock"));
        let io_err = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        fs::create_dir_all(kind_dir).map_err(io_err)?;
        let started = Instant::now();
        let mut on_wait = Some(on_wait);
        let mut tries = 0;
        loop {
            if let Some(file) = try_acquire(&path).map_err(io_err)? {
                let lock = Self { path, _file: file };
                return Ok((lock, on_wait.is_none()));
            }
            if started.elapsed() >= wait {
                return Err(LockError::Busy {
                    dest: kind_dir.join(version).display().to_string(),
                    waited: started.elapsed(),
                });
            }
            if let Some(f) = on_wait.take() {
                f();
            }
            let left = wait.saturating_sub(started.elapsed());
            tokio::time::sleep(pause(tries).min(left)).await;
            tries += 1;
        }
    }
}

/// Opens and locks the lock file; `None` when another pull holds it. A pull that finished
/// removes the file while holding the lock, so after locking we check the path still names the
/// file we locked, and start over if it does not (else two pulls could hold two different files).
fn try_acquire(path: &Path) -> io::Result<Option<File>> {
    loop {
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        if lock.try_lock().is_err() {
            return Ok(None);
        }
        if same_file(&lock, path) {
            return Ok(Some(lock));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn a_second_pull_waits_then_takes_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let kd = dir.path().join("artifacts");
        rt().block_on(async {
            let (first, waited) = VersionLock::acquire(&kd, "v", Duration::ZERO, || {})
                .await
                .unwrap();
            assert!(!waited);
            let mut told = 0;
            let err = VersionLock::acquire(&kd, "v", Duration::from_millis(200), || told += 1)
                .await
                .err()
                .expect("busy");
            assert_eq!(told, 1);
            assert!(matches!(err, LockError::Busy { .. }), "{err}");
            assert!(err.to_string().contains("--lock-timeout"), "{err}");
            let release = async {
                tokio::time::sleep(Duration::from_millis(150)).await;
                // As a finished pull does: remove the file while holding it.
                fs::remove_file(&first.path).unwrap();
                drop(first);
            };
            let second = VersionLock::acquire(&kd, "v", Duration::from_secs(10), || {});
            let ((), second) = tokio::join!(release, second);
            let (_lock, waited) = second.unwrap();
            assert!(waited, "it had to wait");
        });
    }
}

//! What the downloads of one pxa process share to stay out of each other's way on the server
//! (contract §13.3): the server writes every tarball answer to `<archives>/<name>.tar.gz` and
//! refreshes its cache copy of a file or folder in place, so two requests at once can receive
//! each other's bytes. Nothing here can lock against other processes: the size checks against
//! the tree stay necessary.
//!
//! - K1, [`Shared::archive`]: one request at a time per server and archive name, held from
//!   sending the request until its body has arrived (tarballs, check-path requests, events).
//! - K2, [`Shared::paths`]: per server, store connection and run, no two pieces whose
//!   run-relative paths are equal or one inside the other are in flight together.
//! - Dedupe, [`Shared::placed`]: a piece already placed for another version of this pull is
//!   copied from there instead of being asked for again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{Notify, OwnedMutexGuard};

use super::plan::overlaps;
use super::verify::FileRecord;

/// The locks and the record of placed pieces, for every version of one pull.
#[derive(Default)]
pub struct Shared {
    archives: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    paths: Arc<PathLocks>,
    placed: Mutex<HashMap<String, Placed>>,
    /// Whether placed pieces are remembered (a pull of several versions).
    dedupe: bool,
}

/// Where a piece's files were placed by an earlier version of this pull.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The staging folder they were placed in, then the version folder it became.
    pub roots: [PathBuf; 2],
    /// Their records, run-relative.
    pub files: Vec<FileRecord>,
}

/// Held while a piece is in flight: its path is busy in its run.
pub struct PathGuard {
    locks: Arc<PathLocks>,
    id: u64,
}

/// A busy path: its guard's id, its scope and the path.
type Busy = (u64, String, String);

#[derive(Default)]
struct PathLocks {
    /// The last id given, and the busy paths.
    held: Mutex<(u64, Vec<Busy>)>,
    freed: Notify,
}

impl Shared {
    /// For a pull of several versions: pieces they share are fetched once.
    pub fn deduplicating() -> Self {
        Self {
            dedupe: true,
            ..Self::default()
        }
    }

    /// K1: waits until no other request with this key (server + archive name) is in flight.
    pub async fn archive(&self, key: &str) -> OwnedMutexGuard<()> {
        let lock = lock(&self.archives)
            .entry(key.to_string())
            .or_default()
            .clone();
        lock.lock_owned().await
    }

    /// K2: waits until no piece of `scope` (server, connection, run) at `path`, above it or
    /// below it is in flight, and marks `path` busy until the guard is dropped.
    pub async fn paths(&self, scope: &str, path: &str) -> PathGuard {
        loop {
            let freed = self.paths.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut held = lock(&self.paths.held);
                let busy = held
                    .1
                    .iter()
                    .any(|(_, s, p)| s == scope && overlaps(p, path));
                if !busy {
                    held.0 += 1;
                    let id = held.0;
                    held.1.push((id, scope.to_string(), path.to_string()));
                    return PathGuard {
                        locks: self.paths.clone(),
                        id,
                    };
                }
            }
            freed.await;
        }
    }

    /// Remembers where a piece (`key`: scope, request kind and path) was placed.
    pub fn remember(&self, key: &str, placed: Placed) {
        if self.dedupe {
            lock(&self.placed).insert(key.to_string(), placed);
        }
    }

    /// Where a piece with this key was placed by another version, if it was.
    pub fn placed(&self, key: &str) -> Option<Placed> {
        lock(&self.placed).get(key).cloned()
    }
}

impl Drop for PathGuard {
    fn drop(&mut self) {
        lock(&self.locks.held).1.retain(|(id, _, _)| *id != self.id);
        self.locks.freed.notify_waiters();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn overlapping_paths_of_one_run_wait_for_each_other() {
        rt().block_on(async {
            let shared = Arc::new(Shared::default());
            let held = shared.paths("run-a", "outputs/model").await;
            // Another run, or a sibling path: free at once.
            let _other = shared.paths("run-b", "outputs/model").await;
            let _sibling = shared.paths("run-a", "outputs/models").await;
            let _elsewhere = shared.paths("run-a", "logs").await;
            let mut waiting = Vec::new();
            for path in ["outputs/model/w.bin", "outputs/model/sub", "outputs/model"] {
                let s = shared.clone();
                waiting.push(tokio::spawn(async move {
                    drop(s.paths("run-a", path).await);
                }));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert!(waiting.iter().all(|w| !w.is_finished()), "one did not wait");
            drop(held);
            for w in waiting {
                tokio::time::timeout(Duration::from_secs(5), w)
                    .await
                    .expect("woken")
                    .unwrap();
            }
        });
    }

    #[test]
    fn a_released_path_wakes_the_waiter() {
        rt().block_on(async {
            let shared = Arc::new(Shared::default());
            let held = shared.paths("r", "a/b").await;
            let s = shared.clone();
            let waiting = tokio::spawn(async move { s.paths("r", "a").await });
            tokio::time::sleep(Duration::from_millis(30)).await;
            assert!(!waiting.is_finished());
            drop(held);
            tokio::time::timeout(Duration::from_secs(5), waiting)
                .await
                .expect("woken")
                .unwrap();
        });
    }

    #[test]
    fn one_request_per_archive_name() {
        rt().block_on(async {
            let shared = Arc::new(Shared::default());
            let first = shared.archive("h:1 model.tar.gz").await;
            let _other = shared.archive("h:1 data.tar.gz").await;
            let s = shared.clone();
            let waiting = tokio::spawn(async move { s.archive("h:1 model.tar.gz").await });
            tokio::time::sleep(Duration::from_millis(30)).await;
            assert!(!waiting.is_finished());
            drop(first);
            tokio::time::timeout(Duration::from_secs(5), waiting)
                .await
                .expect("woken")
                .unwrap();
        });
    }
}

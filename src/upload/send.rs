//! Sending one entry: rounds of requests, each planned from what the tree lists at the
//! destination, until it lists every file with its size. A round whose requests failed on the
//! way (a cut connection, a stall, a 5xx) is followed by another after a backoff, which sends
//! only what is still missing; a refusal (4xx) or a local file that changed ends the entry.
//! A failed archive's copy at the run's root is deleted (the server leaves it there).

use futures_util::stream::{self, StreamExt};

use super::local::LocalEntry;
use super::plan::{self, Piece, Remote, Send};
use super::source::{self, Fault, Member};
use super::{EntryReport, Failure, Uploader, answer_wait};
use crate::api::retry::{Transient, backoff};
use crate::api::tree::LIMITS;
use crate::api::upload::{Destination, Payload, Watch, random_token};
use crate::api::{ApiError, StreamBase};
use crate::exit::Code;
use crate::progress::{Finished, Item, Retry};

/// Archives are named so no user file at the run's root can share the name.
pub const ARCHIVE_PREFIX: &str = ".pxa-upload-";

impl Uploader {
    /// What the run holds at the entry's destination: the folder walked, or for a file its
    /// parent folder listed (one request).
    pub async fn remote(&self, base: &StreamBase, entry: &LocalEntry) -> Result<Remote, Failure> {
        let dest = &entry.spec.dest;
        if entry.is_dir {
            let walked = self.client.walk_tree(base, dest, &LIMITS).await;
            return Remote::from_walk(walked, dest).map_err(|e| Failure::from_walk(&e));
        }
        let (parent, name) = dest.rsplit_once('/').unwrap_or(("", dest));
        let listing = self
            .client
            .list_tree(&base.tree_url(parent))
            .await
            .map_err(|e| Failure::from_api(&e))?;
        Remote::from_parent(listing, &base.uuid, parent, name).map_err(|e| Failure::from_walk(&e))
    }

    /// Sends what `entry` still needs until the tree lists every file with its size. `remote`
    /// is what the tree listed before; `resend_all` sends every file once (`--force`).
    pub async fn upload_entry(
        &self,
        base: &StreamBase,
        label: &str,
        entry: &LocalEntry,
        mut remote: Remote,
        resend_all: bool,
    ) -> Result<EntryReport, Failure> {
        let first = plan::todo(entry, &remote, resend_all);
        let files_sent = first.len();
        let bytes_sent: u64 = first.iter().map(|s| entry.files[s.index].size).sum();
        let mut round = 0;
        let mut last: Option<Failure> = None;
        loop {
            let todo = plan::todo(entry, &remote, resend_all && round == 0);
            if todo.is_empty() {
                break;
            }
            if round > 0 {
                let why = match &last {
                    Some(f) => format!("{} (sending the {} files not on the run)", f, todo.len()),
                    None => format!("{} files are not on the run whole", todo.len()),
                };
                self.wait_round(label, round, &why).await;
            }
            let pieces = plan::pieces(entry, &todo, &remote);
            last = match self.send_pieces(base, label, entry, &pieces).await {
                Err(f) if !f.is_transient() || round >= self.retries => return Err(f),
                sent => sent.err(),
            };
            remote = self.remote(base, entry).await?;
            round += 1;
            if round > self.retries && !plan::todo(entry, &remote, false).is_empty() {
                return Err(missing(entry, &remote));
            }
        }
        let status = if files_sent > 0 {
            "uploaded"
        } else {
            "present"
        };
        self.progress.finished(
            Item::entry(label),
            Finished {
                bytes: entry.bytes(),
                files: entry.files.len() as u64,
                status,
            },
        );
        Ok(EntryReport {
            entry: entry.spec.name.clone(),
            path: entry.spec.dest.clone(),
            files: entry.files.len(),
            bytes: entry.bytes(),
            files_sent,
            bytes_sent,
            status,
        })
    }

    async fn wait_round(&self, label: &str, round: u32, why: &str) {
        let wait = backoff(round);
        let retry = Retry {
            attempt: round + 1,
            wait,
            why,
        };
        self.progress.retrying(Item::entry(label), retry);
        tokio::time::sleep(wait).await;
    }

    /// The archive first (the files after it go into the folder it creates), then the files,
    /// `jobs` at a time. A refusal wins over a transient failure in what is returned.
    async fn send_pieces(
        &self,
        base: &StreamBase,
        label: &str,
        entry: &LocalEntry,
        pieces: &[Piece],
    ) -> Result<(), Failure> {
        let mut files = Vec::new();
        for piece in pieces {
            match piece {
                // On failure, no file goes: they would land in the folder the archive creates.
                Piece::Archive {
                    files: members,
                    overwrite,
                } => {
                    self.send_archive(base, label, entry, members, *overwrite)
                        .await?
                }
                Piece::File(send) => files.push(*send),
            }
        }
        let results: Vec<Result<(), Failure>> = stream::iter(files)
            .map(|send| self.send_file(base, label, entry, send))
            .buffer_unordered(self.jobs.max(1))
            .collect()
            .await;
        let mut failures: Vec<Failure> = results.into_iter().filter_map(Result::err).collect();
        match failures.iter().position(|f| !f.is_transient()) {
            Some(i) => Err(failures.swap_remove(i)),
            None => failures.pop().map_or(Ok(()), Err),
        }
    }

    async fn send_file(
        &self,
        base: &StreamBase,
        label: &str,
        entry: &LocalEntry,
        send: Send,
    ) -> Result<(), Failure> {
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let file = &entry.files[send.index];
        let remote = entry.remote_path(file);
        let (folder, name) = remote.rsplit_once('/').unwrap_or(("", &remote));
        let to = Destination {
            folder: folder.to_string(),
            untar: false,
            overwrite: send.overwrite,
        };
        let fault = Fault::default();
        let body = source::file_body(entry.local_path(file), file.size, fault.clone());
        let shown = if file.rel.is_empty() {
            None
        } else {
            Some(file.rel.clone())
        };
        self.send(
            base,
            label,
            shown,
            (to, name.to_string(), file.size),
            body,
            &fault,
        )
        .await
    }

    async fn send_archive(
        &self,
        base: &StreamBase,
        label: &str,
        entry: &LocalEntry,
        indices: &[usize],
        overwrite: bool,
    ) -> Result<(), Failure> {
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let members: Vec<Member> = indices
            .iter()
            .map(|&i| &entry.files[i])
            .map(|f| Member {
                local: entry.local_path(f),
                name: f.rel.clone(),
                size: f.size,
                mtime: f.mtime,
            })
            .collect();
        let len = source::archive_len(&members);
        let to = Destination {
            folder: entry.spec.dest.clone(),
            untar: true,
            overwrite,
        };
        let name = format!("{ARCHIVE_PREFIX}{}.tar", random_token());
        let fault = Fault::default();
        let body = source::archive_body(members, fault.clone());
        let shown = Some(format!("({} files in one archive)", indices.len()));
        let sent = self
            .send(base, label, shown, (to, name.clone(), len), body, &fault)
            .await;
        if sent.is_err() {
            // A failed extraction leaves the archive at the run's root; nothing else is there
            // under that name (best effort: a cut request never reached the handler).
            let _ = self.client.delete_artifact(base, &name).await;
        }
        sent
    }

    /// One request, reported as an item of the entry.
    async fn send(
        &self,
        base: &StreamBase,
        label: &str,
        file: Option<String>,
        (to, name, len): (Destination, String, u64),
        body: futures_util::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>,
        fault: &Fault,
    ) -> Result<(), Failure> {
        let item = Item {
            entry: label,
            file: file.as_deref(),
        };
        self.progress.started(item, Some(len));
        let (progress, entry, part) = (self.progress.clone(), label.to_string(), file.clone());
        let counted = body
            .inspect(move |chunk| {
                if let Ok(c) = chunk {
                    let it = Item {
                        entry: &entry,
                        file: part.as_deref(),
                    };
                    progress.advanced(it, c.len() as u64);
                }
            })
            .boxed();
        let watch = Watch {
            stall: self.watch.stall,
            answer: answer_wait(self.watch.answer, len),
        };
        let payload = Payload {
            name,
            len,
            stream: counted,
        };
        let result = self.client.upload(base, &to, payload, watch).await;
        let failure = result.err().map(|e| local_or_api(fault, &e));
        match &failure {
            None if file.is_some() => self.progress.finished(
                item,
                Finished {
                    bytes: len,
                    files: 1,
                    status: "uploaded",
                },
            ),
            None => {}
            Some(f) => self.progress.failed(item, &f.message),
        }
        failure.map_or(Ok(()), Err)
    }
}

/// A local fault (a file changed while being sent) wins over the request's own error, and is
/// not worth another round.
fn local_or_api(fault: &Fault, err: &ApiError) -> Failure {
    match fault.get() {
        Some(why) => Failure::new(Code::Failure, why),
        None => Failure::from_api(err),
    }
}

/// The files the tree still does not list with their size after the last round.
fn missing(entry: &LocalEntry, remote: &Remote) -> Failure {
    let todo = plan::todo(entry, remote, false);
    let shown: Vec<String> = todo
        .iter()
        .take(3)
        .map(|s| {
            let f = &entry.files[s.index];
            let path = entry.remote_path(f);
            match remote.files.get(&f.rel) {
                Some(size) => format!("{path} ({size} of {} bytes)", f.size),
                None => format!("{path} (missing)"),
            }
        })
        .collect();
    let more = todo.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    Failure::new(
        Code::Integrity,
        format!(
            "the server's tree does not list every file with its size after the upload: {}{more}",
            shown.join(", ")
        ),
    )
}

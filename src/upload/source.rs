//! Bytes from disk for an upload's body, read on a blocking thread and handed over in chunks
//! through a small bounded channel (about 1 MiB per upload in memory, whatever the size): one
//! file as it is, or many as an uncompressed tar archive whose length is known before the
//! first byte ([`archive_len`]). A file must still have the size it was listed with: one that
//! shrank or grew fails the body (and so the request) with a [`Fault`] saying which.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;

/// Bytes per chunk handed to the HTTP client.
pub const CHUNK: usize = 256 * 1024;
/// Chunks queued ahead of the HTTP client.
const IN_FLIGHT: usize = 3;
/// A tar block.
const BLOCK: u64 = 512;

/// What went wrong on the local side of a body, if anything (the request's own error then only
/// says the body broke off).
#[derive(Debug, Clone, Default)]
pub struct Fault(Arc<Mutex<Option<String>>>);

impl Fault {
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set(&self, why: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }
}

/// One file of an archive: where it is, its name in the archive, its listed size and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub local: PathBuf,
    pub name: String,
    pub size: u64,
    pub mtime: u64,
}

/// The body of a one-file upload.
pub fn file_body(path: PathBuf, size: u64, fault: Fault) -> BoxStream<'static, io::Result<Bytes>> {
    spawn_reader(fault, move |out| out.copy_file(&path, size))
}

/// The body of an archive upload: exactly [`archive_len`] bytes.
pub fn archive_body(members: Vec<Member>, fault: Fault) -> BoxStream<'static, io::Result<Bytes>> {
    spawn_reader(fault, move |out| {
        for m in &members {
            out.put(&header(&m.name, m.size, m.mtime))?;
            out.copy_file(&m.local, m.size)?;
            out.put(&vec![0; padding(m.size) as usize])?;
        }
        out.put(&[0; 2 * BLOCK as usize])
    })
}

/// The archive's length in bytes.
pub fn archive_len(members: &[Member]) -> u64 {
    let each: u64 = members
        .iter()
        .map(|m| header(&m.name, m.size, m.mtime).len() as u64 + m.size + padding(m.size))
        .sum();
    each + 2 * BLOCK
}

fn padding(size: u64) -> u64 {
    (BLOCK - size % BLOCK) % BLOCK
}

/// The tar header(s) of a regular file: a GNU long-name record first when the name does not fit
/// the 100 bytes of the header's own field.
fn header(name: &str, size: u64, mtime: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(BLOCK as usize);
    let bytes = name.as_bytes();
    if bytes.len() > 100 {
        let mut long = plain_header(tar::EntryType::GNULongName, bytes.len() as u64 + 1, 0);
        set_name(&mut long, b"././@LongLink");
        out.extend_from_slice(long.as_bytes());
        out.extend_from_slice(bytes);
        let padded = (bytes.len() as u64 + 1).div_ceil(BLOCK) * BLOCK;
        out.resize(out.len() + padded as usize - bytes.len(), 0);
    }
    let mut h = plain_header(tar::EntryType::Regular, size, mtime);
    set_name(&mut h, &bytes[..bytes.len().min(100)]);
    out.extend_from_slice(h.as_bytes());
    out
}

fn plain_header(kind: tar::EntryType, size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// Writes raw name bytes (the tar crate's `set_path` refuses names it would not extract
/// safely; these are checked by the scan) and the checksum.
fn set_name(h: &mut tar::Header, name: &[u8]) {
    let field = &mut h.as_gnu_mut().expect("a GNU header").name;
    field.fill(0);
    field[..name.len()].copy_from_slice(name);
    h.set_cksum();
}

/// Chunks on their way to the HTTP client.
struct Chunks {
    buf: Vec<u8>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

/// The receiver is gone: the request ended (its own error, if any, says why).
#[derive(Debug, thiserror::Error)]
#[error("the request ended")]
struct Gone;

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, Gone)
}

fn is_gone(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Gone>())
}

impl Chunks {
    fn put(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let room = CHUNK - self.buf.len();
            let n = room.min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(full)))
            .map_err(|_| gone())
    }

    /// Exactly `size` bytes of `path`, read straight into the chunks.
    fn copy_file(&mut self, path: &Path, size: u64) -> io::Result<()> {
        let shown = path.display();
        let mut file = File::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {shown}: {e}")))?;
        let mut left = size;
        while left > 0 {
            let start = self.buf.len();
            let want = (CHUNK - start).min(usize::try_from(left).unwrap_or(usize::MAX));
            self.buf.resize(start + want, 0);
            let n = file
                .read(&mut self.buf[start..])
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {shown}: {e}")))?;
            self.buf.truncate(start + n);
            if n == 0 {
                return Err(io::Error::other(format!(
                    "{shown} is shorter than when it was listed ({size} bytes): it changed while being sent"
                )));
            }
            left -= n as u64;
            if self.buf.len() == CHUNK {
                self.flush()?;
            }
        }
        if file.read(&mut [0u8; 1])? > 0 {
            return Err(io::Error::other(format!(
                "{shown} is longer than when it was listed ({size} bytes): it changed while being sent"
            )));
        }
        Ok(())
    }
}

/// Runs `fill` on a blocking thread; its chunks come out of the returned stream. A local
/// failure is kept in `fault` and ends the stream with an error.
fn spawn_reader<F>(fault: Fault, fill: F) -> BoxStream<'static, io::Result<Bytes>>
where
    F: FnOnce(&mut Chunks) -> io::Result<()> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            buf: Vec::with_capacity(CHUNK),
            tx,
        };
        let done = fill(&mut out).and_then(|()| {
            if out.buf.is_empty() {
                Ok(())
            } else {
                out.flush()
            }
        });
        match done {
            Err(e) if is_gone(&e) => {}
            Err(e) => {
                fault.set(e.to_string());
                let _ = out.tx.blocking_send(Err(e));
            }
            Ok(()) => {}
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the body `make` builds on a runtime and gathers its bytes.
    fn collect(
        make: impl FnOnce() -> BoxStream<'static, io::Result<Bytes>>,
    ) -> io::Result<Vec<u8>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut out = Vec::new();
            let mut s = make();
            while let Some(chunk) = s.next().await {
                out.extend_from_slice(&chunk?);
            }
            Ok(out)
        })
    }

    #[test]
    fn an_archive_is_as_long_as_announced_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let long = format!("deep/{}/naïve file.txt", "x".repeat(120));
        let files: Vec<(String, Vec<u8>)> = vec![
            ("a.txt".into(), b"hello".to_vec()),
            ("empty".into(), Vec::new()),
            (long, vec![7u8; CHUNK + 3]),
        ];
        let mut members = Vec::new();
        for (i, (name, data)) in files.iter().enumerate() {
            let local = dir.path().join(format!("f{i}"));
            std::fs::write(&local, data).unwrap();
            members.push(Member {
                local,
                name: name.clone(),
                size: data.len() as u64,
                mtime: 1_700_000_000,
            });
        }
        let len = archive_len(&members);
        let bytes = collect(|| archive_body(members, Fault::default())).unwrap();
        assert_eq!(bytes.len() as u64, len);
        let mut archive = tar::Archive::new(&bytes[..]);
        let mut got = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            assert_eq!(entry.header().mtime().unwrap(), 1_700_000_000);
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            got.push((name, data));
        }
        assert_eq!(got, files);
    }

    #[test]
    fn a_file_that_changed_size_fails_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        let fault = Fault::default();
        assert!(collect(|| file_body(path.clone(), 5, fault.clone())).is_ok());
        assert_eq!(fault.get(), None);
        assert!(collect(|| file_body(path.clone(), 4, fault.clone())).is_err());
        assert!(
            fault
                .get()
                .unwrap()
                .contains("longer than when it was listed")
        );
        let fault = Fault::default();
        assert!(collect(|| file_body(path, 9, fault.clone())).is_err());
        assert!(fault.get().unwrap().contains("shorter"));
    }
}

//! `--verify`: every file read back from the server (`force=true`, past its cache) and
//! hashed, against the local file hashed again; memory stays bounded (both sides stream).

use std::io::Read;
use std::path::PathBuf;

use futures_util::stream::{self, StreamExt};

use super::local::{LocalEntry, LocalFile};
use super::{Failure, Uploader};
use crate::api::StreamBase;
use crate::api::download::HashError;
use crate::api::retry::RetryPolicy;
use crate::exit::Code;

/// Bytes read at a time from the local file.
const READ: usize = 256 * 1024;

impl Uploader {
    /// Reads every file of `entry` back from the run and compares BLAKE3 hashes.
    pub async fn verify_entry(&self, base: &StreamBase, entry: &LocalEntry) -> Result<(), Failure> {
        let checks: Vec<Result<(), Failure>> = stream::iter(&entry.files)
            .map(|f| self.verify_file(base, entry, f))
            .buffer_unordered(self.jobs.max(1))
            .collect()
            .await;
        checks.into_iter().collect()
    }

    async fn verify_file(
        &self,
        base: &StreamBase,
        entry: &LocalEntry,
        file: &LocalFile,
    ) -> Result<(), Failure> {
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let path = entry.remote_path(file);
        let local = local_hash(entry.local_path(file));
        let remote =
            RetryPolicy::retries(self.retries).run(|| self.remote_hash(base, &path), |_| {});
        let (local, remote) = tokio::join!(local, remote);
        let (local, (remote, len)) = (local?, remote?);
        if len != file.size || local != remote {
            return Err(Failure::new(
                Code::Integrity,
                format!(
                    "{path}: the server holds other bytes than {} ({len} bytes, BLAKE3 {}; local {} bytes, BLAKE3 {})",
                    entry.local_path(file).display(),
                    remote.to_hex(),
                    file.size,
                    local.to_hex()
                ),
            ));
        }
        Ok(())
    }

    /// The file as the server's store holds it now: its hash and length.
    async fn remote_hash(
        &self,
        base: &StreamBase,
        path: &str,
    ) -> Result<(blake3::Hash, u64), Failure> {
        match self.client.download_hash(&base.file_url(path), None).await {
            Ok(got) => Ok((got.hash, got.len)),
            Err(HashError::Api(e)) => Err(Failure::from_api(&e)),
            Err(e) => Err(Failure::new(
                Code::Failure,
                format!("reading {path} back: {e}"),
            )),
        }
    }
}

async fn local_hash(path: PathBuf) -> Result<blake3::Hash, Failure> {
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(&path)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; READ];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                return Ok(hasher.finalize());
            }
            hasher.update(&buf[..n]);
        }
    })
    .await
    .map_err(|e| Failure::new(Code::Failure, format!("hashing {shown}: {e}")))?
    .map_err(|e: std::io::Error| Failure::new(Code::Failure, format!("cannot read {shown}: {e}")))
}

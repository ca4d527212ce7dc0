//! `diff --content-hash`: the files present on both sides with the same size, downloaded
//! and hashed (BLAKE3, as the pull's manifest) on both sides, streamed and dropped as they
//! arrive: memory stays bounded whatever the sizes. Each file is asked for as a pull asks
//! (`force=true`: the store's current bytes), under the same retry policy.

use std::time::Duration;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use url::Url;

use crate::api::Client;
use crate::api::download::HashError;
use crate::api::retry::RetryPolicy;
use crate::exit::Code;
use crate::progress::{Finished, Item, Planned, Reporter, Retry};
use crate::pull::download::{Failure, Missing};

/// Files hashed at once.
const AT_ONCE: usize = 4;
/// Attempts after the first for a failed download (as a pull's default `--retries`).
const RETRIES: u32 = 5;
/// A body that sends nothing for this long is cut and asked for again.
const STALL: Duration = Duration::from_secs(30);

/// A file of the same size on both sides, to hash on each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub entry: String,
    /// Run-relative path on B.
    pub path: String,
    /// The size the tree listed on both sides.
    pub size: u64,
    /// Its current bytes on A and on B.
    pub urls: [Url; 2],
}

/// Hashes both sides of every pair; the hex hashes, in the pairs' order.
pub async fn hash_pairs(
    client: &Client,
    pairs: &[Pair],
    progress: &dyn Reporter,
) -> Result<Vec<[String; 2]>, Failure> {
    let bytes = pairs.iter().map(|p| 2 * p.size).sum();
    let files = 2 * pairs.len() as u64;
    progress.planned(Planned {
        entries: 2,
        files: Some(files),
        bytes: Some(bytes),
    });
    let jobs = pairs
        .iter()
        .flat_map(|p| [("A", p, &p.urls[0]), ("B", p, &p.urls[1])]);
    let hashes: Vec<String> = stream::iter(jobs)
        .map(|(side, p, url)| hash_one(client, side, p, url, progress))
        .buffered(AT_ONCE)
        .try_collect()
        .await?;
    for side in ["A", "B"] {
        let done = Finished {
            bytes: bytes / 2,
            files: pairs.len() as u64,
            status: "hashed",
        };
        progress.finished(Item::entry(side), done);
    }
    let pairs = hashes.chunks(2).map(|h| [h[0].clone(), h[1].clone()]);
    Ok(pairs.collect())
}

/// One side of a pair: its BLAKE3 hash, retried like a pull's download; a length other than
/// the listed size fails (the file changed while it was compared).
async fn hash_one(
    client: &Client,
    side: &str,
    pair: &Pair,
    url: &Url,
    progress: &dyn Reporter,
) -> Result<String, Failure> {
    let item = Item::file(side, &pair.path);
    let policy = RetryPolicy::retries(RETRIES);
    let attempt = || async {
        progress.started(item, Some(pair.size));
        let got = client
            .download_hash(url, Some(STALL))
            .await
            .map_err(failure)?;
        match got.declared {
            Some(d) if d != got.len => Err(Failure::new(
                Code::Integrity,
                true,
                format!("received {} bytes, {d} declared", got.len),
            )),
            _ => Ok(got),
        }
    };
    let on_retry = |r: crate::api::retry::Retrying<'_, Failure>| {
        let why = &r.error.message;
        let retry = Retry {
            attempt: r.attempt,
            wait: r.wait,
            why,
        };
        progress.retrying(item, retry);
    };
    let got = policy.run(attempt, on_retry).await.map_err(|f| {
        progress.failed(item, &f.message);
        f.about(&format!("hashing `{}` of {side}", pair.path))
    })?;
    if got.len != pair.size {
        let text = format!(
            "`{}` of {side} is {} bytes now, {} when listed: it changed during the diff; run it again",
            pair.path, got.len, pair.size
        );
        return Err(Failure::new(Code::Integrity, false, text));
    }
    progress.advanced(item, got.len);
    let done = Finished {
        bytes: got.len,
        files: 1,
        status: "hashed",
    };
    progress.finished(item, done);
    Ok(got.hash.to_hex().to_string())
}

fn failure(e: HashError) -> Failure {
    match e {
        HashError::Api(e) => Failure::from_api(e).missing(Missing::Stored),
        HashError::Body { .. } => Failure::new(Code::Failure, true, e.to_string()),
        HashError::Stalled(_) => Failure::new(Code::Unreachable, true, e.to_string()),
    }
}

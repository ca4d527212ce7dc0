//! Arguments and help of `pxa upload`.

use std::path::PathBuf;

use clap::Args;

use crate::output::progress::Mode as ProgressMode;

/// `pxa upload --help` below the summary.
pub const UPLOAD_DETAILS: &str = "\
Each PATH (a file or a folder) becomes one lineage entry of the run, named after its basename
(or --entry), of kind `file` or `dir` (`model` with --kind model), stored at
<--to>/<name> in the run (default outputs/<name>); then the version is registered with those
entries, like `register`, and printed. Without --run-uid the files go to a run pxa creates in
the project (upload-<version>), marked succeeded at the end and failed if the upload fails;
with --run-uid they go to that run, never over a file it already has unless --force.

Before the first request every PATH is read: symbolic links, devices, fifos, sockets, and
names the server would store otherwise, are refused (exit 2). A version that exists is refused
(exit 5) unless --force. Large files go one request each, -j at a time; small files of a new
folder go as one archive. After the upload the server's tree must list every file with its
size; --verify also reads each file back and compares hashes. If anything fails, no version is
registered: run the same command again, it sends only what did not arrive.";

/// `pxa upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Files or folders to publish (each becomes one lineage entry)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Project as PROJECT or OWNER/PROJECT (owner defaults to `default`)
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Version name to register (also -ver)
    #[arg(
        long = "version",
        visible_alias = "ver",
        value_name = "NAME",
        required = true
    )]
    pub version: String,
    /// Description of the version
    #[arg(long)]
    pub description: Option<String>,
    /// Tags, comma-separated (or a list: '["a","b"]')
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Metadata: a JSON/YAML mapping, @FILE, or - for stdin
    #[arg(long, value_name = "JSON")]
    pub content: Option<String>,
    /// Readme text, or @FILE
    #[arg(long, value_name = "TEXT")]
    pub readme: Option<String>,
    /// Upload into this existing run (its uuid) instead of a new one
    #[arg(long, value_name = "UUID")]
    pub run_uid: Option<String>,
    /// Name of the lineage entry (and of its file or folder in the run); one PATH only
    #[arg(long, value_name = "NAME")]
    pub entry: Option<String>,
    /// Run folder the entries go into
    #[arg(long, value_name = "FOLDER", default_value = "outputs")]
    pub to: String,
    /// Requests at a time
    #[arg(short, long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Rounds after the first for files that did not arrive (cut connections, stalls, 5xx)
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub retries: u32,
    /// Give up on a request that cannot send anything for this many seconds
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub stall_timeout: f64,
    /// Update the version if it exists, send every file again, re-point lineage names
    #[arg(long)]
    pub force: bool,
    /// Print the plan (run, entries, files to send, version) and send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Read every file back after the upload and compare BLAKE3 hashes
    #[arg(long)]
    pub verify: bool,
    /// Progress on stderr: bars on a terminal, plain lines in logs, JSON events, or none
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Print nothing but errors (same as --progress none)
    #[arg(long)]
    pub quiet: bool,
}

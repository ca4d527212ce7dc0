//! The clap command tree: every command, flag and help text (with `$ pxa …` examples).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::api::models::Kind;
use crate::output::Format;
use crate::output::progress::Mode as ProgressMode;
use crate::settings::env::{AUTH_TOKEN, HOST, NO_COLOR, OFFLINE_ROOT, SSL_CA_CERT, TIMEOUT};

pub mod generate;
mod inspect_args;
mod targets_args;
mod upload_args;
pub mod usage;
pub mod values;
mod write_args;
pub use inspect_args::*;
pub use targets_args::*;
pub use upload_args::*;
pub use write_args::*;

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "pxa",
    version,
    about = "Fast client for Polyaxon artifact, model and component registries",
    long_about = long_about(),
    propagate_version = false,
    after_help = "Examples:\n  $ pxa ls -p demo\n  $ pxa get demo:v1 -o json\n  $ pxa stages -p demo --version v1\n\nExit codes: 0 ok, 1 server error (diff: the versions differ), 2 usage, 3 not found,\n4 auth, 5 conflict, 6 precondition, 7 timeout, 8 unreachable, 9 integrity, 10 partial\n(see README)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    #[arg(long, global = true, value_name = "URL", help = HOST.help("Polyaxon host URL"))]
    pub host: Option<String>,
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        help = AUTH_TOKEN.help("API token (sent as `Authorization: Token ...`)")
    )]
    pub token: Option<String>,
    /// Registry to use
    #[arg(long, global = true, value_enum, default_value_t = Kind::Artifact)]
    pub kind: Kind,
    /// Whether `--kind` (or `pxa models|components …`) was given, not defaulted: set after
    /// parsing (`push` then takes the kind from the pulled folder).
    #[arg(skip)]
    pub kind_given: bool,
    /// Output format: table on a terminal, tab-separated when piped
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Format::Auto)]
    pub output: Format,
    /// Filter the JSON output with a jq expression (strings print raw), e.g. '.[].name'; prints
    /// JSON, so it is refused with another -o than json
    #[arg(long, global = true, value_name = "EXPR")]
    pub jq: Option<String>,
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        value_parser = values::parse_seconds,
        help = format!(
            "Seconds (or 30s, 10m, 1h) to wait for the server before giving up; for `wait`, how \
             long to wait for the stage (its requests keep {} or the default) [env: {}] \
             [default: {}; wait: 10m]",
            TIMEOUT.name,
            TIMEOUT.name,
            TIMEOUT.default_value()
        )
    )]
    pub timeout: Option<f64>,
    /// Do not verify TLS certificates (prints a warning)
    #[arg(long, global = true)]
    pub insecure: bool,
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        help = SSL_CA_CERT.help("Trust this PEM CA bundle in addition to the system's")
    )]
    pub ca_cert: Option<PathBuf>,
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = crate::output::ColorChoice::Auto,
        help = format!("When to color stderr labels and diff marks [env: {} disables]", NO_COLOR.name)
    )]
    pub color: crate::output::ColorChoice,
    /// Show requests and timings on stderr (never the token)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show one version, or several
    #[command(after_help = GET_HELP)]
    Get(TargetsArgs),
    /// List versions, following pages past the server's 100-per-page cap
    #[command(
        visible_alias = "list",
        after_help = "Examples:\n  $ pxa ls -p demo\n  $ pxa ls -p demo -q 'stage: production' -s -created_at -l 5\n  $ pxa ls -p demo --all -o name"
    )]
    Ls(LsArgs),
    /// Show a version's current stage and stage history
    #[command(
        after_help = "Examples:\n  $ pxa stages -p demo --version v1\n  $ pxa stages demo:v1 -o json"
    )]
    Stages(VersionArgs),
    /// Create a version, or update it with --force (reads first: POST when absent, PATCH when present)
    #[command(
        after_help = REGISTER_HELP,
        // It names the version it writes: no stage selector.
        mut_arg("target", |a| a.help("The version as [OWNER/]PROJECT:VERSION, or a version name used with -p")),
        mut_arg("version", |a| a.help("Version name (also -ver, as in the official CLI) [default: latest]"))
    )]
    Register(RegisterArgs),
    /// Change a version's description, tags, name, content or readme (only the given fields)
    #[command(after_help = UPDATE_HELP)]
    Update(UpdateArgs),
    /// Move a version to a stage (testing, staging, production, disabled)
    #[command(after_help = STAGE_HELP)]
    Stage(StageArgs),
    /// Wait until a version reaches a stage (exit 0), or give up after --timeout (exit 7)
    #[command(after_help = WAIT_HELP)]
    Wait(WaitArgs),
    /// Delete a version (asks for confirmation on a terminal; -y in scripts)
    #[command(after_help = DELETE_HELP)]
    Delete(DeleteArgs),
    /// Move a version to another project
    #[command(after_help = TRANSFER_HELP)]
    Transfer(TransferArgs),
    /// Copy a version under a new name or into another project (its run and lineage too)
    #[command(after_help = COPY_HELP)]
    Copy(CopyArgs),
    /// Register a version from a folder written by `pull` (its files too, where the run is missing)
    #[command(after_help = push_help())]
    Push(PushArgs),
    #[command(
        about = "Publish local files and folders as a version (into a new run, or --run-uid)",
        long_about = format!("Publish local files and folders as a version (into a new run, or --run-uid)\n\n{UPLOAD_DETAILS}"),
        after_help = "Examples:\n  $ pxa upload ./model.onnx -p demo --version v1 --kind model\n  $ pxa upload ./weights ./tokenizer -p demo --version v2 --description 'fine-tuned' --tags a,b\n  $ pxa upload ./data -p demo --version d1 --entry dataset --to inputs -j 8 --verify\n  $ pxa upload ./eval.csv -p demo --version v1-eval --run-uid 6de0b57635c842abb378fb1379d4dfec\n  $ pxa upload ./model -p demo --version v1 --dry-run\n\nExit codes: 2 refused before anything was sent, 3 run not found, 5 the version or a\nfile exists (--force), 8 server unreachable, 9 a file did not arrive whole, 130\ninterrupted (run the same command again: it sends only what did not arrive)."
    )]
    Upload(UploadArgs),
    /// Print a version's page in the web UI (and open it in a browser on a terminal)
    #[command(
        after_help = "Examples:\n  $ pxa dashboard -p demo --version v1 --url\n  $ pxa models dashboard demo:m1"
    )]
    Dashboard(DashboardArgs),
    #[command(
        about = PULL_ABOUT,
        long_about = format!("{PULL_ABOUT}\n\n{PULL_DETAILS}"),
        after_help = "Several targets (or `-`: a list on stdin) are pulled as -a and -q pull: in parallel, a\nfailed one stopping none of the others (exit 10). PROJECT@STAGE pulls the version that\nentered STAGE last.\n\nExamples:\n  $ pxa pull -p demo --version v1\n  $ pxa pull demo:v1 --path ./offline\n  $ pxa pull demo@production --path /models\n  $ pxa pull demo:v1 demo:v2\n  $ pxa ls -p demo -q 'stage: production' -o name | pxa pull -p demo -\n  $ pxa pull demo:m1 --kind model --artifact model -j 8\n  $ pxa pull -p demo -a --no-artifacts\n  $ pxa pull -p demo -q 'stage: production' -l 5 --progress plain\n  $ pxa pull demo:m1 --kind model --skip-existing\n  $ pxa pull demo:m1 --kind model --dry-run -o json\n\nExit codes: 2 a file where a folder must go, 3 version not found, 7 another pull of the\nversion did not finish within --lock-timeout, 8 server unreachable, 9 integrity or unsafe\narchive, 10 some versions failed, 11 no space left on the disk, 130 interrupted (run the\nsame command again to resume)."
    )]
    Pull(PullArgs),
    /// List a run's lineage entries: the names `register --artifacts` links
    #[command(
        after_help = "Examples:\n  $ pxa lineage 6de0b57635c842abb378fb1379d4dfec -p demo\n  $ pxa lineage 6de0b57635c842abb378fb1379d4dfec -p demo -o name\n  $ pxa lineage 6de0b57635c842abb378fb1379d4dfec -p demo -o json\n\nPATH is relative to the run's store (`pxa pull` writes the entry there). `pxa get` shows a\nversion's run uuid under `run`. Exit 3 when the project has no such run."
    )]
    Lineage(LineageArgs),
    #[command(about = FILES_ABOUT, long_about = format!("{FILES_ABOUT}\n\n{FILES_DETAILS}"), after_help = FILES_EXAMPLES)]
    Files(FilesArgs),
    #[command(about = DIFF_ABOUT, long_about = format!("{DIFF_ABOUT}\n\n{DIFF_DETAILS}"), after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Re-check a pulled version folder against its .pxa-manifest.json (size and BLAKE3 hash)
    #[command(
        after_help = "Examples:\n  $ pxa verify /tmp/plx/offline/artifacts/v1\n  $ pxa verify ./offline/models/m1 -o json\n  $ pxa verify ./offline\n\nEach folder is OK, FAILED, UNVERIFIED (no manifest) or MISSING. Exit 9 when a file is missing,\nhas another size or another BLAKE3 hash; else 3 when a folder is unverified or a path missing."
    )]
    Verify(VerifyArgs),
    /// Check the server answers: its version, and whether the token is accepted
    #[command(
        visible_alias = "whoami",
        after_help = "Examples:\n  $ pxa status\n  $ pxa status --host https://polyaxon.example.com -o json"
    )]
    Status,
    /// Show or change the saved settings (files shared with the official CLI)
    #[command(
        subcommand,
        after_help = "Examples:\n  $ pxa config show\n  $ pxa config set host http://127.0.0.1:8000\n  $ echo \"$TOKEN\" | pxa config set token -\n  $ pxa config unset project"
    )]
    Config(ConfigCommand),
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  $ pxa completions bash > ~/.local/share/bash-completion/completions/pxa\n  $ pxa completions zsh > \"${fpath[1]}/_pxa\"\n  $ pxa completions fish > ~/.config/fish/completions/pxa.fish"
    )]
    Completions {
        /// The shell to generate for
        #[arg(value_enum)]
        shell: generate::Shell,
    },
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  $ pxa man > pxa.1 && man ./pxa.1")]
    Man,
}

/// `pxa config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Resolved settings and where each came from (the token is never shown)
    #[command(after_help = "Examples:\n  $ pxa config show\n  $ pxa config show -o json")]
    Show,
    /// Save a setting: host, token (`-` reads it from stdin) or project
    #[command(
        after_help = "Examples:\n  $ pxa config set host https://polyaxon.example.com\n  $ pxa config set project acme/demo"
    )]
    Set {
        #[arg(value_enum)]
        key: ConfigKey,
        value: String,
    },
    /// Remove a saved setting
    #[command(after_help = "Examples:\n  $ pxa config unset token")]
    Unset {
        #[arg(value_enum)]
        key: ConfigKey,
    },
}

/// Settings `pxa config set|unset` can save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigKey {
    /// `POLYAXON_HOST` in `.client`
    Host,
    /// `POLYAXON_AUTH_TOKEN` in `.auth`
    Token,
    /// The default project, in `~/.polyaxon/.project`
    Project,
}

/// `pxa dashboard`.
#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// Only print the URL, do not open a browser
    #[arg(long)]
    pub url: bool,
    /// Open without asking (accepted for compatibility; pxa never asks)
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// `pxa lineage`.
#[derive(Debug, Args)]
pub struct LineageArgs {
    /// The run's uuid (32 hex digits, dashes allowed)
    #[arg(value_name = "RUN_UUID")]
    pub run: String,
    /// Project as PROJECT or OWNER/PROJECT (owner defaults to `default`)
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
}

/// `pxa pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub which: TargetsArgs,
    /// Pull every version of the project (all pages, past the server's 100 per page)
    #[arg(short = 'a', long)]
    pub all_versions: bool,
    /// Pull the versions matching this filter, e.g. 'stage: production'
    #[arg(short, long)]
    pub query: Option<String>,
    /// Most versions to pull with -q/--offset [default: 20]
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Versions to skip first (also -off)
    #[arg(long)]
    pub offset: Option<u64>,
    #[arg(
        long = "path",
        visible_alias = "path-to",
        value_name = "DIR",
        help = OFFLINE_ROOT.help("Root folder")
    )]
    pub path: Option<PathBuf>,
    /// Write the version's metadata only
    #[arg(long)]
    pub no_artifacts: bool,
    /// Pull only this lineage entry (repeatable); the other entries of a previous copy are kept
    #[arg(long = "artifact", value_name = "NAME")]
    pub artifacts: Vec<String>,
    /// Keep files of the previous copy whose size matches the server's tree and whose bytes
    /// match the last pull's manifest; download the rest. It cannot see a file overwritten on
    /// the server with bytes of the same size. With --no-artifacts: skip versions whose
    /// version.plx.json has the listed uuid and updated_at
    #[arg(long)]
    pub skip_existing: bool,
    /// Print what would be requested (entries, files, sizes, per-file or tarball, what
    /// --skip-existing keeps); write nothing and send no download
    #[arg(long)]
    pub dry_run: bool,
    /// Wait this long for another pxa pull of the same version to finish (0: do not wait)
    #[arg(long, default_value_t = 300.0, value_name = "SECS")]
    pub lock_timeout: f64,
    /// Downloads at a time (entries and versions)
    #[arg(short, long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Attempts after the first for a failed download (connection errors, cut bodies, 5xx, 429)
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub retries: u32,
    /// Abort and retry a download that receives no data for this many seconds
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub stall_timeout: f64,
    /// Progress on stderr: bars on a terminal, plain lines in logs, JSON events, or none
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    /// Print nothing but errors (same as --progress none)
    #[arg(long)]
    pub quiet: bool,
}

/// Which version a command is about.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// The version as [OWNER/]PROJECT:VERSION, or [OWNER/]PROJECT@STAGE for the one that
    /// entered STAGE last; a version name (or @STAGE) used with -p
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
    /// Project as PROJECT or OWNER/PROJECT (owner defaults to `default`)
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Version name, or @STAGE (also -ver, as in the official CLI) [default: latest]
    #[arg(long = "version", visible_alias = "ver", value_name = "NAME")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Project as [OWNER/]PROJECT (same as -p)
    #[arg(value_name = "PROJECT", conflicts_with = "project")]
    pub target: Option<String>,
    /// Project as PROJECT or OWNER/PROJECT (owner defaults to `default`)
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Filter, e.g. 'stage: production' or 'name: %v1%,created_at: >2026-01-01'
    #[arg(short, long)]
    pub query: Option<String>,
    /// Sort by fields, `-` for descending, e.g. -created_at or name
    #[arg(short, long, allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// Most versions to show (pages are followed as needed)
    #[arg(short, long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
    /// Versions to skip first (also -off)
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
    /// Every version, whatever --limit says
    #[arg(short, long)]
    pub all: bool,
}

/// `pxa pull`'s one-line summary.
const PULL_ABOUT: &str =
    "Download versions with their lineage artifacts (same layout as `polyaxon artifacts pull`)";
/// `pxa pull --help` below the summary: what lands where.
const PULL_DETAILS: &str = "Writes <ROOT>/<kind>s/<version>/ with version.plx.json, \
    content.plx.json and every linked lineage artifact at its run-relative path, plus \
    .pxa-manifest.json (sizes and BLAKE3 hashes). A folder is listed on the server first and \
    fetched one request per file, as tarballs of its many-small-file sub-folders, or both, \
    whichever is faster; every file is the store's current one and is checked against the \
    listed size. Downloads stream to disk in parallel into a staging folder that replaces the \
    previous copy only when everything succeeded; running the same command again resumes an \
    interrupted pull.";

/// What `pxa --help` says above the usage: the settings it shares with the official CLI.
fn long_about() -> String {
    format!(
        "Fast client for Polyaxon artifact, model and component registries.\n\nReads the same \
         settings as the official `polyaxon` CLI: {}, {} and the files in ~/.polyaxon. Flags win \
         over the environment, which wins over the files.",
        HOST.name, AUTH_TOKEN.name
    )
}

#[cfg(test)]
mod tests;

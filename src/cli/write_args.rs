//! Arguments and help of the write commands (register, update, stage, wait, delete,
//! transfer, copy, push).

use std::path::PathBuf;

use clap::Args;

use super::{TargetsArgs, VersionArgs};
use crate::api::models::Stage;
use crate::settings::env::OFFLINE_ROOT;

pub const REGISTER_HELP: &str = "\
Reads the version first (GET). Absent: POST with the given fields. Present: refused (exit 5)
unless --force, which PATCHes only the given fields. --dry-run still does that GET to decide
between POST and PATCH, then prints the write instead of sending it.

--content, --readme: text, or @FILE (--content - reads stdin). --content must be a JSON or YAML
mapping; it is sent as a string, like the official CLI. --tags/--artifacts: a,b or '[\"a\",\"b\"]'.
--run-uid links the run; only the lineage names given with --artifacts are linked (without them
a pull downloads nothing); `pxa lineage RUN_UUID -p PROJECT` lists the run's names.

Examples:
  $ pxa register -p demo --version v1 --description 'first cut' --tags a,b
  $ pxa register demo:v1 --content '{\"lr\": 0.01}' --readme @README.md --force
  $ pxa register demo:m1 --kind model --run-uid 6de0b57635c842abb378fb1379d4dfec --artifacts model
  $ pxa components register -p demo -ver c1 -f polyaxonfile.yaml
  $ pxa register demo:v1 --tags x --force --dry-run";

pub const UPDATE_HELP: &str = "\
Sends only the given fields (PATCH). --tags replaces the tags; --add-tag/--remove-tag read the
current tags and merge. --name renames. At least one field is required.

Examples:
  $ pxa update demo:v1 --description 'better words'
  $ pxa update demo:v1 --add-tag reviewed --remove-tag draft
  $ pxa update -p demo --version v1 --name v1-final -o name
  $ pxa update demo:v1 --content @meta.json --dry-run";

pub const STAGE_HELP: &str = "\
Adds a stage condition (type, status true, reason, message, now) and prints the version read
back. A version already in the stage is left as it is (exit 0, nothing sent) unless --force.
--if-stage S changes nothing and exits 6 unless the version is in stage S now. The check and
the change are two requests: a change by someone else in between is not detected (the server
has no conditional write).

Several targets (or `-`: a list on stdin) are moved one after the other in the order given
(the last one is PROJECT@STAGE afterwards), --if-stage checked for each; one that fails does
not stop the others (exit 10 when others were moved), and -o json|yaml prints a list.
PROJECT@STAGE is the version that entered STAGE last.

Examples:
  $ pxa stage demo:v1 --to staging --message 'passed eval'
  $ pxa stage -p demo -ver v1 -to production --if-stage staging
  $ pxa stage -p demo v1 v2 v3 --to disabled
  $ pxa stage demo@staging --to production --if-stage staging
  $ pxa models stage demo:m1 --to disabled --reason Rollback -o name";

pub const WAIT_HELP: &str = "\
Polls the version's stage (backing off from --interval up to 30 s), prints each change seen on
stderr, and prints the version on stdout when it reaches the stage (exit 0). A failed poll is a
line on stderr and is tried again until --timeout (default 10m); each request keeps the normal
request timeout. Exit 7 when --timeout passes first, 8 if the server never answered, 3 if the
version does not exist.

Examples:
  $ pxa wait demo:v1 --for production --timeout 30m
  $ pxa wait -p demo --version v1 --for staging --interval 5s -o name";

pub const DELETE_HELP: &str = "\
Asks [y/N] when stdin is a terminal. Without a terminal, -y/--yes is required (exit 2
otherwise, nothing is sent). Prints the deleted name with -o name, the deleted version with
-o json|yaml, or a line on stderr.

Several targets are all read first, then one question lists them; `-` (the list on stdin)
needs -y, since stdin holds the list, not the answer. A version that fails does not stop the
others (exit 10 when others were deleted); -o json|yaml prints a list.

Examples:
  $ pxa delete demo:v1
  $ pxa delete -p demo --version v1 -y -o name
  $ pxa delete demo:v1 --dry-run
  $ pxa delete -p demo v1 v2 -y
  $ pxa ls -p demo -q 'stage: disabled' -o name | pxa delete -p demo - -y";

pub const TRANSFER_HELP: &str = "\
The destination must exist and must not hold a version of the same name (checked first: exit 5).

Examples:
  $ pxa transfer demo:v1 --to-project prod-registry
  $ pxa transfer -p demo -ver v1 -to prod-registry -o json";

pub const COPY_HELP: &str = "\
Client-side like the official CLI: reads the version, then registers NAME (default
<version>-copy) in --to-project (default: the same project) with its description, tags,
content, readme, run, linked artifacts and connection (flags override). The stage history is not
copied. With a run, Polyaxon CE only accepts a destination in the run's project: --no-run copies
without the run and lineage.

Examples:
  $ pxa copy demo:v1 --name v1-backup
  $ pxa copy demo:v1 --to-project other --tags copied
  $ pxa copy demo:m1 --kind model --to-project other --no-run --force";

/// `pxa push --help` below the options (names the offline root's variable and default).
pub fn push_help() -> String {
    format!(
        "\
Reads <dir>/version.plx.json (and content.plx.json, or polyaxonfile.plx.json for components,
which win over the file's content) and registers the version like `register` (exit 5 if it
exists, unless --force). The kind is the file's (or --kind, which must agree). The project is
-p, else the one in the file. When the target project has the version's run, the version links
the same run and lineage. When it does not (another server or project), the lineage files are
uploaded from DIR into a new run, with the same entry names and paths, like `pxa upload`
(every file must be in DIR; refused before anything is sent otherwise); --no-artifacts pushes
the metadata only.

DIR is a version folder as pull writes it, or use --path ROOT --version V for
ROOT/<kind>s/V (ROOT defaults to {}, else {}).

Examples:
  $ pxa push ./offline/artifacts/v1
  $ pxa push ./offline/models/m1 --host https://polyaxon.other.example.com
  $ pxa push --path ./offline --version v1 -p other --force
  $ pxa models push --path ./offline -ver m1 --clean",
        OFFLINE_ROOT.name,
        OFFLINE_ROOT.default_value()
    )
}

/// `pxa register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// Description
    #[arg(long)]
    pub description: Option<String>,
    /// Tags, comma-separated (or a list: '["a","b"]')
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Metadata: a JSON/YAML mapping, @FILE, or - for stdin
    #[arg(long, value_name = "JSON")]
    pub content: Option<String>,
    /// Polyaxonfile of a component (sent as its JSON content); any kind: content from a file
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "content")]
    pub file: Option<PathBuf>,
    /// Readme text, or @FILE
    #[arg(long, value_name = "TEXT")]
    pub readme: Option<String>,
    /// Run to link (its uuid)
    #[arg(long, value_name = "UUID")]
    pub run_uid: Option<String>,
    /// Names of the run's lineage entries to link, comma-separated
    #[arg(long, value_name = "NAMES")]
    pub artifacts: Option<String>,
    /// Connection name (ignored by Polyaxon CE)
    #[arg(long)]
    pub connection: Option<String>,
    /// Update the version if it exists (only the given fields)
    #[arg(long)]
    pub force: bool,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// Rename the version
    #[arg(short = 'n', long, value_name = "NEW_NAME")]
    pub name: Option<String>,
    /// Description ('' clears it)
    #[arg(long)]
    pub description: Option<String>,
    /// Replace the tags, comma-separated ('' clears them)
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Add tags (repeatable or comma-separated)
    #[arg(long, value_name = "TAG")]
    pub add_tag: Vec<String>,
    /// Remove tags (repeatable or comma-separated)
    #[arg(long, value_name = "TAG")]
    pub remove_tag: Vec<String>,
    /// Metadata: a JSON/YAML mapping, @FILE, or - for stdin ('' clears it)
    #[arg(long, value_name = "JSON")]
    pub content: Option<String>,
    /// Readme text, or @FILE ('' clears it)
    #[arg(long, value_name = "TEXT")]
    pub readme: Option<String>,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa stage`.
#[derive(Debug, Args)]
pub struct StageArgs {
    #[command(flatten)]
    pub version: TargetsArgs,
    /// The new stage (also -to)
    #[arg(long, value_enum)]
    pub to: Stage,
    /// Reason recorded with the change
    #[arg(long, default_value = "PxaStageUpdate")]
    pub reason: String,
    /// Message recorded with the change
    #[arg(long)]
    pub message: Option<String>,
    /// Only change the stage if the version is in this stage now (else exit 6)
    #[arg(long, value_enum, value_name = "STAGE")]
    pub if_stage: Option<Stage>,
    /// Write the condition even if the version is already in that stage (a new reason,
    /// message and time); without it, that is a no-op that sends nothing
    #[arg(long)]
    pub force: bool,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// The stage to wait for
    #[arg(long = "for", value_enum, value_name = "STAGE")]
    pub stage: Stage,
    /// First pause between polls (30s, 1m, or seconds); grows up to 30 s
    #[arg(long, default_value = "2s", value_parser = super::values::parse_duration)]
    pub interval: std::time::Duration,
    /// The global --timeout, filled in by the dispatcher.
    #[arg(skip)]
    pub deadline: Option<f64>,
}

/// `pxa delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub version: TargetsArgs,
    /// Do not ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Print the DELETE instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa transfer`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// Destination project name (also -to)
    #[arg(long = "to-project", visible_alias = "to", value_name = "PROJECT")]
    pub to_project: String,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa copy`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    #[command(flatten)]
    pub version: VersionArgs,
    /// Destination project (also -to) [default: the same project]
    #[arg(long = "to-project", visible_alias = "to", value_name = "PROJECT")]
    pub to_project: Option<String>,
    #[arg(
        short = 'n',
        long,
        value_name = "NAME",
        help = "Name of the copy [default: <version>-copy]"
    )]
    pub name: Option<String>,
    /// Description [default: the source's]
    #[arg(long)]
    pub description: Option<String>,
    /// Tags, comma-separated [default: the source's]
    #[arg(long, value_name = "TAGS")]
    pub tags: Option<String>,
    /// Content mapping, @FILE or - [default: the source's]
    #[arg(long, value_name = "JSON")]
    pub content: Option<String>,
    /// Do not link the source's run and artifacts
    #[arg(long)]
    pub no_run: bool,
    /// Update the destination version if it exists
    #[arg(long)]
    pub force: bool,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

/// `pxa push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// A version folder written by pull (holds version.plx.json)
    #[arg(value_name = "DIR", conflicts_with = "root")]
    pub dir: Option<PathBuf>,
    #[arg(
        long = "path",
        visible_alias = "path-from",
        value_name = "ROOT",
        help = "Root of pulled versions: the folder is ROOT/<kind>s/VERSION (also --path-from)"
    )]
    pub root: Option<PathBuf>,
    /// Project as PROJECT or OWNER/PROJECT [default: the one in version.plx.json]
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Version name (also -ver) [default: the name in version.plx.json]
    #[arg(long = "version", visible_alias = "ver", value_name = "NAME")]
    pub version: Option<String>,
    /// Do not link the run and artifacts named in the file
    #[arg(long)]
    pub no_run: bool,
    /// Push the metadata only: never upload the lineage files, even when the target server
    /// or project does not have the run
    #[arg(long)]
    pub no_artifacts: bool,
    /// Push into -p (or the cached project) instead of the file's project, as the official flag
    #[arg(long)]
    pub reset_project: bool,
    /// Update the version if it exists
    #[arg(long)]
    pub force: bool,
    /// Delete the local folder after a successful push
    #[arg(short = 'c', long)]
    pub clean: bool,
    /// Print the write (method, URL, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
}

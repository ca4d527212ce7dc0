//! Arguments of the commands that take several versions (`get`, `pull`, `stage`, `delete`),
//! and `get`'s help below the options.

use clap::Args;

/// Which versions a command is about: one, several, or a list read from stdin.
#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// Versions as [OWNER/]PROJECT:VERSION, or [OWNER/]PROJECT@STAGE for the one that entered
    /// STAGE last; version names (or @STAGE) used with -p; `-` reads them from stdin, one a line
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Project as PROJECT or OWNER/PROJECT (owner defaults to `default`)
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Version name, or @STAGE (also -ver, as in the official CLI; one target only)
    /// [default: latest]
    #[arg(long = "version", visible_alias = "ver", value_name = "NAME")]
    pub version: Option<String>,
}

/// `pxa get --help` below the options.
pub const GET_HELP: &str = "\
Several targets (or `-` for a list on stdin) print a JSON array or YAML list of the server's
objects with -o json|yaml, one FIELD/VALUE block per version with a blank line between (as
`kubectl describe` does) in a table or TSV, and one name per line with -o name. A version
named twice is shown once; one that fails is named in the error at the end (exit 10 when
others were shown).

PROJECT@STAGE is the version that most recently entered STAGE (the time of the stage change
that moved it there; a later edit does not count); -v says how it was chosen. Exit 3 when no
version is in that stage.

Examples:
  $ pxa get -p demo --version v1
  $ pxa get acme/demo:v1 -o json
  $ pxa get demo:m1 --kind model -o yaml
  $ pxa get demo@production -o name
  $ pxa get -p demo v1 v2 v3 -o json
  $ pxa ls -p demo -q 'stage: staging' -o name | pxa get -p demo - -o name";

//! Arguments and help of the commands that look without changing anything: `pxa files` and
//! `pxa diff` (versions on the server, before a download), `pxa verify` (pulled folders).

use std::path::PathBuf;

use clap::Args;

use super::VersionArgs;

/// `pxa files`' one-line summary.
pub const FILES_ABOUT: &str =
    "List every file a pull would write: entry, path, size (nothing downloaded)";
/// `pxa files --help` after the options.
pub const FILES_EXAMPLES: &str = "Examples:\n  $ pxa files demo:v1\n  $ pxa files demo:m1 --kind model --artifact model -o json\n  $ pxa files demo:v1 --jq .totals.bytes";

/// `pxa files --help` below the summary.
pub const FILES_DETAILS: &str = "\
Lists what `pxa pull` of the version would write, from the same reads and tree walk (the
version, its run, one listing per folder), without downloading anything. PATH is run-relative:
it is where the file lands inside the pulled version folder, <ROOT>/<kind>s/<version>/PATH.
Entries whose files cannot be listed are shown with `-` as their size, and why on stderr: an
event package (its files come in one archive), an entry the official client's rule skips (its
path is already written by an earlier entry), a kind it does not download. Table on a
terminal (sizes for people), tab-separated when piped (sizes in bytes); the totals go to
stderr. -o json: {\"project\", \"version\", \"kind\", \"run\", \"entries\": [{\"entry\", \"kind\",
\"path\", \"listed\", \"files\", \"bytes\", \"why\"?}], \"files\": [{\"entry\", \"path\", \"size\"}],
\"totals\": {\"files\", \"bytes\"}}; -o name: the paths.";

/// `pxa files`.
#[derive(Debug, Args)]
pub struct FilesArgs {
    #[command(flatten)]
    pub which: VersionArgs,
    /// List only this lineage entry (repeatable)
    #[arg(long = "artifact", value_name = "NAME")]
    pub artifacts: Vec<String>,
}

/// `pxa diff`'s one-line summary.
pub const DIFF_ABOUT: &str =
    "Compare two versions: fields, content keys, lineage, files (nothing downloaded)";
/// `pxa diff --help` after the options.
pub const DIFF_EXAMPLES: &str = "Examples:\n  $ pxa diff -p demo v1 v2\n  $ pxa diff demo:v1 acme/demo:v1 --content-hash\n  $ pxa models diff demo:m1 demo:m2 -o json --jq .equal\n\nExit codes: 0 equal, 1 different, 2 usage or a server error (1 elsewhere), 3 not found,\n4 auth, 8 unreachable, 9 a file changed while it was compared.";

/// `pxa diff --help` below the summary.
pub const DIFF_DETAILS: &str = "\
Compares A with B without downloading: the fields description, tags, stage, run and readme;
the content (a JSON or YAML mapping) key by key, at jq paths (.lr, .model.layers[0]); the
lineage entries added, removed or re-pointed (the same name at another path, of another kind
or in another run); and, entry by entry, the files the tree lists (as `pxa files` shows them)
added, removed or resized. A file is known by its path below its entry's path, so an entry moved
to another run compares file by file.

A file rewritten with other bytes of the same size cannot be seen from the tree: such files are
counted on stderr, and --content-hash downloads every file present on both sides with the same
size and compares BLAKE3 hashes (streamed, nothing written; the same file of the same run is
not downloaded). Event packages are not listed, so not compared.

Output: grouped with +/-/~ markers on a terminal; tab-separated MARK, SECTION (field, content,
lineage, file), NAME, A, B when piped; -o json: {\"a\", \"b\", \"kind\", \"equal\", \"fields\": [{\"field\",
\"a\", \"b\"}], \"content\": [{\"path\", \"change\", \"a\"?, \"b\"?}], \"lineage\": [{\"entry\", \"change\", \"a\"?,
\"b\"?}], \"files\": [{\"entry\", \"path\", \"change\", \"a\"?, \"b\"?, \"a_blake3\"?, \"b_blake3\"?}],
\"not_compared\": [{\"entry\", \"why\"}], \"same_size\": {\"files\", \"same_file\", \"hashed\"}};
-o name: what differs, one per line.";

/// `pxa diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first version: [OWNER/]PROJECT:VERSION or [OWNER/]PROJECT@STAGE, or a version name
    /// (or @STAGE) in -p's project
    #[arg(value_name = "A")]
    pub a: String,
    /// The second version, the same way
    #[arg(value_name = "B")]
    pub b: String,
    /// Project of the sides given as a version name, as PROJECT or OWNER/PROJECT
    #[arg(short, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Also download the files of the same size on both sides and compare their BLAKE3
    /// hashes (same-size changes are invisible otherwise)
    #[arg(long)]
    pub content_hash: bool,
}

/// `pxa verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(
        value_name = "PATH",
        required = true,
        help = "Version folders written by `pxa pull` (holding .pxa-manifest.json); a pull root \
                or a <root>/<kind>s folder stands for every version folder below it"
    )]
    pub paths: Vec<PathBuf>,
}

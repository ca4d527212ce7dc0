//! Snapshots (insta) of what pxa prints: the exit code and both streams, with what changes from
//! run to run replaced by placeholders: `[SERVER]` for the fake server's address, `[TMP]` for a
//! temp file or folder, `[TIME]` for a clock time opening a line. A changed message then shows as a diff. A new or changed snapshot
//! fails the test; locally insta writes `*.snap.new` next to it (accept with `cargo insta
//! review` or `INSTA_UPDATE=always cargo test`), with `CI=true` it writes nothing.

/// The snapshot text of one run; `server` (a URL, e.g. wiremock's `uri()`) becomes `[SERVER]`.
pub fn outcome(code: i32, out: &str, err: &str, server: Option<&str>) -> String {
    let text = format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}");
    match server {
        Some(url) => text.replace(url.trim_end_matches('/'), "[SERVER]"),
        None => text,
    }
}

/// insta settings that write `[TMP]` for paths in the temp dir (`tempfile`'s `.tmpXXXXXX`) and
/// `[TIME]` for an `HH:MM:SS` opening a line (`wait` prints one per stage change).
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"(?m)^\d\d:\d\d:\d\d ", "[TIME] ");
    let tmp = std::env::temp_dir();
    let tmp = escape(tmp.to_str().unwrap().trim_end_matches('/'));
    settings.add_filter(&format!(r"{tmp}/\.tmp[A-Za-z0-9]+"), "[TMP]");
    settings
}

/// `s` as a regex matching itself.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if r"\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `assert_outcome!(code, out, err)`, optionally followed by `, server = url` and then by
/// `, name = "…"` (a test with several snapshots may name them; unnamed ones are numbered):
/// [`outcome`] as a snapshot under [`settings`].
macro_rules! assert_outcome {
    ($code:expr, $out:expr, $err:expr $(, server = $server:expr)? $(, name = $name:expr)? $(,)?) => {{
        let server: Option<&str> = None $(.or(Some(&$server)))?;
        let text = $crate::support::snapshot::outcome($code, &$out, &$err, server);
        $crate::support::snapshot::settings().bind(|| insta::assert_snapshot!($($name,)? text))
    }};
}
pub(crate) use assert_outcome;

//! The layer check: a test that reads every file under `src/` and fails when a crate or a
//! module is used outside the layer that owns it (README "Layout"). Comments, doc text and
//! string literals are skipped: only code counts.
//!
//! - `reqwest` only in `src/api/` (every request goes through the client's funnel);
//! - `indicatif`, print macros, `stdout`/`stderr` handles and terminal checks only in
//!   `src/output/` (the printer owns the streams);
//! - `clap` (and `clap_complete`, `clap_mangen`) only in `src/cli/`, `src/cli.rs`, `src/lib.rs`
//!   (parsing and usage errors) and `src/compat.rs` (reads the global flags off the tree);
//! - `api/` uses no `output`, `pull`, `commands`, `cli` or `settings`; `pull/` no `output`,
//!   `commands`, `cli` or `settings`; `inspect/` none of those either; `upload/` none of those
//!   nor `pull`; `output/` no `commands`, `cli` or `pull`.

use std::path::{Path, PathBuf};

/// Code that names `word` (an identifier) is allowed only in files under one of `allowed`.
struct Rule {
    /// An identifier; `word_*` identifiers match too when `family` is set (`clap_complete`).
    word: &'static str,
    family: bool,
    /// Only a macro call (`word!`) or only a path/function use (not `.word(` method calls).
    form: Form,
    allowed: &'static [&'static str],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Any,
    Macro,
    NotMethod,
}

const OUTPUT: &[&str] = &["src/output/"];
const CLI: &[&str] = &["src/cli/", "src/cli.rs", "src/lib.rs", "src/compat.rs"];

const RULES: &[Rule] = &[
    rule("reqwest", false, Form::Any, &["src/api/"]),
    rule("indicatif", false, Form::Any, OUTPUT),
    rule("clap", true, Form::Any, CLI),
    rule("println", false, Form::Macro, OUTPUT),
    rule("eprintln", false, Form::Macro, OUTPUT),
    rule("print", false, Form::Macro, OUTPUT),
    rule("eprint", false, Form::Macro, OUTPUT),
    rule("dbg", false, Form::Macro, &[]),
    rule("stdout", false, Form::NotMethod, OUTPUT),
    rule("stderr", false, Form::NotMethod, OUTPUT),
    rule("IsTerminal", false, Form::Any, OUTPUT),
    rule("is_terminal", false, Form::Any, OUTPUT),
];

const fn rule(
    word: &'static str,
    family: bool,
    form: Form,
    allowed: &'static [&'static str],
) -> Rule {
    Rule {
        word,
        family,
        form,
        allowed,
    }
}

/// `crate::<module>` paths a layer must not use.
const IMPORTS: &[(&str, &[&str])] = &[
    (
        "src/api/",
        &["output", "pull", "commands", "cli", "settings"],
    ),
    ("src/pull/", &["output", "commands", "cli", "settings"]),
    ("src/inspect/", &["output", "commands", "cli", "settings"]),
    (
        "src/upload/",
        &["output", "commands", "cli", "settings", "pull"],
    ),
    ("src/output/", &["commands", "cli", "pull"]),
];

/// Every violation in one file: `path:line: what`.
fn check(path: &str, source: &str) -> Vec<String> {
    let code = strip(source);
    let tokens = tokens(&code);
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| tokens[p].text.as_str());
        let next = tokens.get(i + 1).map(|t| t.text.as_str());
        for r in RULES {
            let named = token.text == r.word
                || (r.family && token.text.starts_with(&format!("{}_", r.word)));
            let shaped = match r.form {
                Form::Any => true,
                Form::Macro => next == Some("!"),
                Form::NotMethod => previous != Some("."),
            };
            if named && shaped && !r.allowed.iter().any(|a| path.starts_with(a)) {
                found.push(format!(
                    "{path}:{}: `{}` outside {:?}",
                    token.line, token.text, r.allowed
                ));
            }
        }
    }
    for (dir, banned) in IMPORTS {
        if !path.starts_with(dir) {
            continue;
        }
        for (module, line) in crate_modules(&tokens) {
            if banned.contains(&module.as_str()) {
                found.push(format!("{path}:{line}: `crate::{module}` used in {dir}"));
            }
        }
    }
    found
}

/// A piece of code: an identifier or one punctuation character, with its line.
struct Token {
    text: String,
    line: usize,
}

fn tokens(code: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut word = String::new();
    for c in code.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(Token {
                text: std::mem::take(&mut word),
                line,
            });
        }
        if c == '\n' {
            line += 1;
        } else if !c.is_whitespace() {
            out.push(Token {
                text: c.to_string(),
                line,
            });
        }
    }
    if !word.is_empty() {
        out.push(Token { text: word, line });
    }
    out
}

/// The modules named after `crate::`, including inside `crate::{a, b::c}`.
fn crate_modules(tokens: &[Token]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let text = |i: usize| tokens.get(i).map(|t| t.text.as_str());
    for i in 0..tokens.len() {
        if text(i) != Some("crate") || text(i + 1) != Some(":") || text(i + 2) != Some(":") {
            continue;
        }
        let mut j = i + 3;
        if text(j) != Some("{") {
            if let Some(t) = tokens.get(j) {
                out.push((t.text.clone(), t.line));
            }
            continue;
        }
        // Top-level names inside the braces: the first identifier after `{` or a `,`.
        let (mut depth, mut expect) = (0, true);
        while let Some(t) = tokens.get(j) {
            match t.text.as_str() {
                "{" => {
                    depth += 1;
                    expect = depth == 1;
                }
                "}" if depth == 1 => break,
                "}" => depth -= 1,
                "," if depth == 1 => expect = true,
                name if expect && depth == 1 => {
                    out.push((name.to_string(), t.line));
                    expect = false;
                }
                _ => {}
            }
            j += 1;
        }
    }
    out
}

/// The source with comments, string and character literals blanked (newlines kept).
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let rest = &chars[i..];
        let end = if rest.starts_with(&['/', '/']) {
            rest.iter().position(|c| *c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            block_comment_len(rest)
        } else if let Some(len) = string_len(rest) {
            len
        } else if rest[0] == '\'' {
            char_literal_len(rest).unwrap_or(0)
        } else {
            0
        };
        if end == 0 {
            out.push(rest[0]);
            i += 1;
        } else {
            for c in &rest[..end] {
                blank(&mut out, *c);
            }
            i += end;
        }
    }
    out
}

fn block_comment_len(rest: &[char]) -> usize {
    let (mut depth, mut i) = (0, 0);
    while i < rest.len() {
        if rest[i..].starts_with(&['/', '*']) {
            depth += 1;
            i += 2;
        } else if rest[i..].starts_with(&['*', '/']) {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    rest.len()
}

/// `"…"`, `b"…"`, `r"…"`, `r#"…"#` or `br#"…"#`: its length, if `rest` starts one.
fn string_len(rest: &[char]) -> Option<usize> {
    let mut i = usize::from(rest.first() == Some(&'b'));
    let raw = rest.get(i) == Some(&'r');
    i += usize::from(raw);
    let hashes = if raw {
        rest[i..].iter().take_while(|c| **c == '#').count()
    } else {
        0
    };
    if rest.get(i + hashes) != Some(&'"') {
        return None;
    }
    i += hashes + 1;
    let closing = |at: usize| (1..=hashes).all(|h| rest.get(at + h) == Some(&'#'));
    while i < rest.len() {
        match rest[i] {
            '\\' if !raw => i += 2,
            '"' if closing(i) => return Some(i + 1 + hashes),
            _ => i += 1,
        }
    }
    Some(rest.len())
}

/// `'x'`, `'\n'` or `'\u{…}'` (not a lifetime `'a`): its length.
fn char_literal_len(rest: &[char]) -> Option<usize> {
    if rest.get(1) == Some(&'\\') {
        let close = rest.iter().skip(3).position(|c| *c == '\'')?;
        return Some(close + 4);
    }
    (rest.get(2) == Some(&'\'')).then_some(3)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests;

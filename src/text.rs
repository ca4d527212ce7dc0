//! Text helpers every layer may use: cutting long values for display, counting nouns, and
//! escaping the control characters of text from elsewhere before it reaches a terminal.

use std::borrow::Cow;

/// At most `max` characters: a longer text keeps its first `max - 1` and ends with `…`.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    Cow::Owned(cut)
}

/// Every run of whitespace (newlines included) as one space, trimmed.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `c` must not reach a terminal raw: a control character (C0, DEL, C1: escape
/// sequences, bells, tabs and line breaks) or a bidirectional override (which reorders what
/// the reader sees).
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The one escaping of text that is not ours (the server's values and messages, file names)
/// for human output and TSV: `\t`, `\n` and `\r` as such, every other control character or
/// bidirectional override as `\x1b` or `\u{202e}`. Borrowed when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `n` and the noun, plural unless `n` is 1: `1 file`, `2 files`, `0 files`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_characters_with_an_ellipsis() {
        assert_eq!(truncate("short", 5), "short");
        assert_eq!(truncate("longer", 5), "long…");
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate(&"x".repeat(2000), 501).chars().count(), 501);
        assert_eq!(one_line(" a\n b\t c "), "a b c");
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(escape_controls("plain é"), "plain é");
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{7}\ta\nb\r\u{7f}\u{9b}\u{202e}"),
            "\\x1b[31mred\\x07\\ta\\nb\\r\\x7f\\x9b\\u{202e}"
        );
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(12, "version"), "12 versions");
    }
}

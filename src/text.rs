//! Text helpers every layer may use: cutting long values for display, counting nouns.

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

/// `n` and the noun, plural unless `n` is 1: `1 file`, `2 files`, `0 files`.
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
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
        assert_eq!(count(1u32, "file"), "1 file");
        assert_eq!(count(0u32, "file"), "0 files");
        assert_eq!(count(12u64, "version"), "12 versions");
    }
}

//! Patterns a text value must match, as a schema writes them.
//!
//! What a pattern means, and which patterns a schema may hold, is
//! regex-lite's syntax: `\d`, `\s` and `\w` are ASCII classes, case is
//! folded for ASCII only, and Unicode classes are refused. The check runs
//! on every keystroke over every cell of a table, where regex-lite's
//! search is most of its time, so a pattern is matched by the `regex`
//! crate instead, from the same syntax tree with each Perl class written
//! as the ASCII class regex-lite reads it as. A pattern whose meaning the
//! two crates could still read differently (flags, word boundaries) is
//! matched by regex-lite itself.

use crate::Bilingual;
use regex_syntax::ast::{
    self, Ast, ClassAscii, ClassAsciiKind, ClassPerl, ClassPerlKind, ClassSet, ClassSetItem,
    GroupKind,
};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// A pattern a value must match, with a hint saying what it means.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    /// The regular expression; it must match the whole value.
    pub regex: String,
    /// What a matching value looks like, for people ("e.g. 8504.21.11").
    pub hint: Bilingual,
    #[serde(skip)]
    compiled: OnceLock<Option<Matcher>>,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
enum Matcher {
    /// By `regex`, rewritten to mean what regex-lite reads.
    Fast(regex::Regex),
    /// By regex-lite, for what the rewriting does not cover.
    Lite(regex_lite::Regex),
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.regex == other.regex && self.hint == other.hint
    }
}

impl Pattern {
    /// A pattern from its expression and hint.
    pub fn new(regex: impl Into<String>, hint: Bilingual) -> Self {
        Self {
            regex: regex.into(),
            hint,
            compiled: OnceLock::new(),
        }
    }

    /// Whether the expression compiles (the schema check refuses those that
    /// do not).
    pub fn compiles(&self) -> bool {
        self.matcher().is_some()
    }

    /// Whether the whole of `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self.matcher() {
            Some(Matcher::Fast(r)) => r.is_match(value),
            Some(Matcher::Lite(r)) => r.is_match(value),
            None => false,
        }
    }

    /// The expression anchored at both ends, compiled once; `None` when
    /// regex-lite does not take it.
    fn matcher(&self) -> Option<&Matcher> {
        self.compiled
            .get_or_init(|| {
                let anchored = format!("^(?:{})$", self.regex);
                let lite = regex_lite::Regex::new(&anchored).ok()?;
                Some(
                    as_lite_reads(&anchored)
                        .and_then(|rewritten| regex::Regex::new(&rewritten).ok())
                        .map_or(Matcher::Lite(lite), Matcher::Fast),
                )
            })
            .as_ref()
    }
}

/// `pattern` written so that the `regex` crate reads it as regex-lite
/// does, or `None` when it holds something whose meaning is not carried
/// over by rewriting classes.
fn as_lite_reads(pattern: &str) -> Option<String> {
    let mut tree = ast::parse::Parser::new().parse(pattern).ok()?;
    if !rewrite(&mut tree) {
        return None;
    }
    let mut out = String::new();
    ast::print::Printer::new().print(&tree, &mut out).ok()?;
    Some(out)
}

/// Rewrites every Perl class in `tree` as its ASCII class; false when the
/// tree holds flags, a word boundary or a Unicode class.
fn rewrite(tree: &mut Ast) -> bool {
    match tree {
        Ast::Empty(_) | Ast::Literal(_) | Ast::Dot(_) => true,
        Ast::Flags(_) | Ast::ClassUnicode(_) => false,
        Ast::Assertion(a) => matches!(
            a.kind,
            ast::AssertionKind::StartLine
                | ast::AssertionKind::EndLine
                | ast::AssertionKind::StartText
                | ast::AssertionKind::EndText
        ),
        Ast::ClassPerl(perl) => {
            let bracketed = ast::ClassBracketed {
                span: perl.span,
                negated: false,
                kind: ClassSet::Item(ClassSetItem::Ascii(ascii_of(perl))),
            };
            *tree = Ast::class_bracketed(bracketed);
            true
        }
        Ast::ClassBracketed(class) => rewrite_set(&mut class.kind),
        Ast::Repetition(r) => rewrite(&mut r.ast),
        Ast::Group(g) => {
            let plain = match &g.kind {
                GroupKind::NonCapturing(flags) => flags.items.is_empty(),
                GroupKind::CaptureIndex(_) | GroupKind::CaptureName { .. } => true,
            };
            plain && rewrite(&mut g.ast)
        }
        Ast::Alternation(a) => a.asts.iter_mut().all(rewrite),
        Ast::Concat(c) => c.asts.iter_mut().all(rewrite),
    }
}

/// [`rewrite`] inside a bracketed class.
fn rewrite_set(set: &mut ClassSet) -> bool {
    match set {
        ClassSet::Item(item) => rewrite_item(item),
        ClassSet::BinaryOp(_) => false,
    }
}

fn rewrite_item(item: &mut ClassSetItem) -> bool {
    match item {
        ClassSetItem::Empty(_)
        | ClassSetItem::Literal(_)
        | ClassSetItem::Range(_)
        | ClassSetItem::Ascii(_) => true,
        ClassSetItem::Unicode(_) => false,
        ClassSetItem::Perl(perl) => {
            *item = ClassSetItem::Ascii(ascii_of(perl));
            true
        }
        ClassSetItem::Bracketed(class) => rewrite_set(&mut class.kind),
        ClassSetItem::Union(union) => union.items.iter_mut().all(rewrite_item),
    }
}

/// The ASCII class regex-lite reads a Perl class as: `\d` is `[0-9]`,
/// `\s` is `[\t\n\v\f\r ]` and `\w` is `[0-9A-Za-z_]`.
fn ascii_of(perl: &ClassPerl) -> ClassAscii {
    ClassAscii {
        span: perl.span,
        kind: match perl.kind {
            ClassPerlKind::Digit => ClassAsciiKind::Digit,
            ClassPerlKind::Space => ClassAsciiKind::Space,
            ClassPerlKind::Word => ClassAsciiKind::Word,
        },
        negated: perl.negated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Patterns of the bundled schemas and others a schema may write.
    const PATTERNS: &[&str] = &[
        r"\d{4}(\.?\d{2}){0,2}",
        r"\d{12}",
        r"[A-Z]{2}\d{6,8}",
        r"\w+(\s\w+)*",
        r"[^\d\s]+",
        r"[\D&&x]?\S*",
        r"[[:alpha:]đĐ ]+",
        r"(?i)hs\d+",
        r"\bMST\b.*",
        r"(?P<kind>[A-Z])-\d+|không",
        r"[0-9.,]+\W?",
        r"Số \d+/\d{4}/[A-ZĐ-]+",
    ];

    fn sample() -> impl Strategy<Value = String> {
        // ASCII and Arabic-Indic digits, Vietnamese and ASCII letters,
        // spaces of several kinds, punctuation and case pairs.
        prop::collection::vec(
            prop::sample::select(vec![
                '0', '4', '9', '٤', '５', 'a', 'H', 's', 'S', 'M', 'T', 'x', 'đ', 'Đ', 'ệ', 'K',
                'ô', 'n', 'g', '_', '.', ',', '/', '-', ' ', '\t', '\u{a0}', '\u{2003}', 'ſ',
                '\u{212a}',
            ]),
            0..14,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn every_pattern_means_what_regex_lite_reads(value in sample()) {
            for source in PATTERNS {
                let pattern = Pattern::new(*source, Bilingual::new("", ""));
                let lite = regex_lite::Regex::new(&format!("^(?:{source})$"));
                match lite {
                    Ok(lite) => prop_assert_eq!(
                        pattern.matches(&value),
                        lite.is_match(&value),
                        "{} on {:?}", source, value
                    ),
                    Err(_) => prop_assert!(!pattern.compiles(), "{}", source),
                }
            }
        }
    }

    #[test]
    fn perl_classes_are_matched_fast_as_ascii_classes() {
        let hs = Pattern::new(r"\d{4}(\.?\d{2}){0,2}", Bilingual::new("", ""));
        assert!(matches!(hs.matcher(), Some(Matcher::Fast(_))));
        assert!(hs.matches("8504.21.11"));
        assert!(!hs.matches("٨٥٠٤"), "Arabic-Indic digits are not \\d");
        assert!(!hs.matches("８５０４"), "full-width digits are not \\d");
    }

    #[test]
    fn flags_and_word_boundaries_are_left_to_regex_lite() {
        for source in [r"(?i)hs\d+", r"\bMST\b.*"] {
            let pattern = Pattern::new(source, Bilingual::new("", ""));
            assert!(
                matches!(pattern.matcher(), Some(Matcher::Lite(_))),
                "{source}"
            );
        }
        let folded = Pattern::new(r"(?i)k", Bilingual::new("", ""));
        assert!(
            folded.matches("K") && !folded.matches("\u{212a}"),
            "Kelvin sign"
        );
    }

    #[test]
    fn what_regex_lite_refuses_does_not_compile() {
        for source in [r"\p{L}+", r"[a-z--x]", r"(\d{12}"] {
            assert!(
                !Pattern::new(source, Bilingual::new("", "")).compiles(),
                "{source}"
            );
        }
    }
}

//! Name patterns as manifests mean them, built in one place so the
//! validator and the matcher cannot disagree: `name_regex` regular
//! expressions (RE2 syntax, linear time, size-capped, matched against the
//! whole name, case-insensitive), and the hint that a `name` glob was
//! meant as one.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

/// The most memory one compiled `name_regex` may take. Names are short;
/// a pattern that needs more is a mistake (`\w{1000}` with Unicode
/// classes), and the cap keeps a hostile manifest from costing memory.
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// Why a `name_regex` pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegexProblem {
    /// Not RE2 syntax: what is wrong, and where in the pattern (bytes).
    Syntax { what: String, at: Range<usize> },
    /// It compiles to more than [`REGEX_SIZE_LIMIT`].
    TooLarge,
}

/// Compiles a `name_regex` pattern: it must match the whole name (as a
/// glob does), case-insensitively (`(?-i)` turns that off).
///
/// The pattern is parsed on its own first, so it cannot reach outside the
/// anchors it is wrapped in (`a)|(.*` is a syntax error, not a pattern
/// that matches everything).
pub fn name_regex(pattern: &str) -> Result<Regex, RegexProblem> {
    if let Err(error) = regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .build()
        .parse(pattern)
    {
        return Err(syntax_problem(&error, pattern));
    }
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .case_insensitive(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(_) => RegexProblem::TooLarge,
            other => RegexProblem::Syntax {
                what: other.to_string(),
                at: 0..pattern.len(),
            },
        })
}

fn syntax_problem(error: &regex_syntax::Error, pattern: &str) -> RegexProblem {
    let (what, span) = match error {
        regex_syntax::Error::Parse(e) => (e.kind().to_string(), Some(*e.span())),
        regex_syntax::Error::Translate(e) => (e.kind().to_string(), Some(*e.span())),
        other => (other.to_string(), None),
    };
    let at = span.map_or(0..pattern.len(), |span| {
        let start = span.start.offset.min(pattern.len());
        start..span.end.offset.clamp(start, pattern.len())
    });
    RegexProblem::Syntax { what, at }
}

/// Whether a `name` glob reads like a regular expression (anchors, `.*`,
/// `.+`, `\d`, groups, `+` after a class), and if so the glob it probably
/// means, when there is one: `^ci-runner-.*$` is `ci-runner-*`. Hostnames
/// hold none of these characters, so the hint has no false alarms on
/// real globs.
pub fn looks_like_regex(glob: &str) -> Option<Option<String>> {
    let escapes = ["\\d", "\\w", "\\s", "\\.", "\\b", "\\D", "\\W", "\\S"];
    let grouped = glob
        .find('(')
        .is_some_and(|open| glob[open..].contains(')'));
    let regexy = glob.starts_with('^')
        || glob.ends_with('$')
        || glob.contains(".*")
        || glob.contains(".+")
        || escapes.iter().any(|e| glob.contains(e))
        || grouped
        || glob.contains("]+")
        || glob.contains(")+")
        || glob.contains(")*");
    if !regexy {
        return None;
    }
    let core = glob.strip_prefix('^').unwrap_or(glob);
    let core = core.strip_suffix('$').unwrap_or(core);
    let guess = core
        .replace(".*", "*")
        .replace(".+", "?*")
        .replace("\\.", ".")
        .replace("\\d", "[0-9]")
        .replace("[0-9]+", "[0-9]*");
    let plain = !guess.contains(['\\', '(', ')', '|', '+', '^', '$']);
    Some(plain.then_some(guess))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole names only, case-insensitive unless the pattern says otherwise.
    #[test]
    fn matches_whole_names() {
        let re = name_regex(r"ci-runner-\d+").unwrap();
        assert!(re.is_match("ci-runner-01"));
        assert!(re.is_match("CI-RUNNER-7"));
        assert!(!re.is_match("prod-ci-runner-01"), "anchored at the start");
        assert!(
            !re.is_match("ci-runner-01.example.com"),
            "anchored at the end"
        );
        let alternatives = name_regex("web|db").unwrap();
        assert!(alternatives.is_match("db"));
        assert!(!alternatives.is_match("webdb"));
        assert!(!name_regex("(?-i)web").unwrap().is_match("WEB"));
    }

    /// A pattern cannot escape its anchors by closing the group they open.
    #[test]
    fn cannot_escape_the_anchors() {
        assert!(matches!(
            name_regex("a)|(.*"),
            Err(RegexProblem::Syntax { .. })
        ));
    }

    /// Syntax errors say what and where; huge patterns are refused.
    #[test]
    fn problems() {
        match name_regex("ci-(runner") {
            Err(RegexProblem::Syntax { what, at }) => {
                assert!(what.contains("unclosed group"), "{what}");
                assert_eq!(at, 3..4);
            }
            other => panic!("{other:?}"),
        }
        match name_regex(r"x\pQ") {
            Err(RegexProblem::Syntax { at, .. }) => assert_eq!(at, 1..4),
            other => panic!("{other:?}"),
        }
        assert_eq!(name_regex(r"\w{1000}").unwrap_err(), RegexProblem::TooLarge);
        // Backtracking engines take exponential time on this; RE2 does not.
        let re = name_regex("(a+)+$").unwrap();
        assert!(!re.is_match(&format!("{}b", "a".repeat(10_000))));
    }

    /// Regex-looking globs are noticed, with the glob they probably mean.
    #[test]
    fn regex_written_as_glob() {
        assert_eq!(
            looks_like_regex("^ci-runner-.*$"),
            Some(Some("ci-runner-*".into()))
        );
        assert_eq!(
            looks_like_regex(r"web-\d+\.example\.com"),
            Some(Some("web-[0-9]*.example.com".into()))
        );
        assert_eq!(looks_like_regex("(web|db)-01"), Some(None));
        for glob in ["ci-runner-*", "web-0?", "db-[0-9][0-9]", "{a,b}-*", "*"] {
            assert_eq!(looks_like_regex(glob), None, "{glob}");
        }
    }
}

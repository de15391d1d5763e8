//! Text from the API (or from whatever answers in its place) as an error
//! message may show it: every form of the credentials replaced by `***`,
//! control characters escaped, and at most a few KB, with a note of how
//! much was left out.
//!
//! A proxy or a hostile endpoint can echo the request back, `Authorization`
//! header included, and an `error` field can be 20 MB long. Both are
//! handled in one pass over the raw text, secrets first: a cut can then
//! never leave half a key on screen.

use std::fmt;

use base64::Engine as _;

use crate::softlayer::error::ApiError;
use crate::terminal_text::escape_controls;

/// Most bytes of one API text shown in an error message.
pub(crate) const MAX_SHOWN_BYTES: usize = 2048;
/// Most bytes shown of a body that is not the JSON it should be.
pub(crate) const EXCERPT_BYTES: usize = 200;
/// Room for the note and a last escaped character past the limit: text
/// shown once passes a second showing unchanged.
const NOTE_ROOM: usize = 80;
/// Shorter "secrets" are not scrubbed: no real key is that short, and
/// replacing every `k` would garble every message (tests use such keys).
const MIN_SECRET_BYTES: usize = 6;
/// What a secret is replaced with (as in redacted endpoints).
const REPLACEMENT: &str = "***";

/// The forms of one set of credentials that must never be shown.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    /// Longest first, so the base64 of `user:key` goes before the key.
    forms: Vec<Vec<u8>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} forms)", self.forms.len())
    }
}

impl Secrets {
    /// Nothing to scrub.
    pub(crate) fn none() -> Secrets {
        Secrets::default()
    }

    /// The key, `user:key`, and the base64 of either (padded or not,
    /// standard or URL-safe alphabet): what the `Authorization` header and
    /// its echoes contain.
    pub(crate) fn of(username: &str, api_key: &str) -> Secrets {
        use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let pair = format!("{username}:{api_key}");
        let mut forms: Vec<Vec<u8>> = Vec::new();
        for plain in [pair.as_str(), api_key] {
            forms.push(plain.as_bytes().to_vec());
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                forms.push(engine.encode(plain).into_bytes());
            }
        }
        forms.retain(|form| form.len() >= MIN_SECRET_BYTES);
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Secrets { forms }
    }

    /// `text` as an error message shows it: secrets replaced, control
    /// characters escaped, cut after `limit` bytes with a note of the rest.
    pub(crate) fn show(&self, text: &str, limit: usize) -> String {
        self.render(text, limit, false)
    }

    /// The start of an unexpected body on one line (whitespace runs become
    /// one space), treated as [`Secrets::show`] treats text.
    pub(crate) fn excerpt(&self, body: &str) -> String {
        let shown = self.render(body.trim(), EXCERPT_BYTES, true);
        if shown.is_empty() {
            "empty body".into()
        } else {
            shown
        }
    }

    /// `error` with every text it holds shown as [`Secrets::show`] shows it
    /// (texts already shown pass unchanged).
    pub(crate) fn scrub_error(&self, error: ApiError) -> ApiError {
        let show = |text: String| self.show(&text, MAX_SHOWN_BYTES + NOTE_ROOM);
        match error {
            ApiError::NotFound {
                status,
                code,
                message,
            } => ApiError::NotFound {
                status,
                code: show(code),
                message: show(message),
            },
            ApiError::Authentication {
                status,
                code,
                message,
            } => ApiError::Authentication {
                status,
                code: show(code),
                message: show(message),
            },
            ApiError::RateLimited {
                status,
                code,
                message,
            } => ApiError::RateLimited {
                status,
                code: show(code),
                message: show(message),
            },
            ApiError::Refused {
                status,
                code,
                message,
            } => ApiError::Refused {
                status,
                code: show(code),
                message: show(message),
            },
            ApiError::Transport { message } => ApiError::Transport {
                message: show(message),
            },
            ApiError::Ambiguous { status, message } => ApiError::Ambiguous {
                status,
                message: show(message),
            },
            ApiError::InvalidResponse { status, message } => ApiError::InvalidResponse {
                status,
                message: show(message),
            },
        }
    }

    /// One pass over `text`: a secret starting here becomes `***`, any other
    /// character is escaped as needed, until `limit` bytes are written.
    fn render(&self, text: &str, limit: usize, one_line: bool) -> String {
        let mut out = String::with_capacity(limit.min(text.len()) + 16);
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut in_space = false;
        while at < text.len() && out.len() < limit {
            if let Some(len) = self.secret_at(&bytes[at..]) {
                out.push_str(REPLACEMENT);
                at += len;
                in_space = false;
                continue;
            }
            let c = text[at..].chars().next().unwrap_or(' ');
            at += c.len_utf8();
            if one_line && c.is_whitespace() {
                if !in_space {
                    out.push(' ');
                }
                in_space = true;
                continue;
            }
            in_space = false;
            let mut buf = [0; 4];
            out.push_str(&escape_controls(c.encode_utf8(&mut buf)));
        }
        if at < text.len() {
            let rest = text.len() - at;
            if one_line {
                out.truncate(out.trim_end().len());
            }
            out.push_str(&format!(" [... {} more bytes not shown]", grouped(rest)));
        }
        out
    }

    /// The length of the secret `bytes` starts with (ASCII case ignored: a
    /// proxy may have changed the case of a hex key), if any.
    fn secret_at(&self, bytes: &[u8]) -> Option<usize> {
        self.forms
            .iter()
            .find(|form| {
                bytes.len() >= form.len() && bytes[..form.len()].eq_ignore_ascii_case(form)
            })
            .map(Vec::len)
    }
}

/// `20971520` as `20,971,520`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    const BASIC: &str = "dGVzdHVzZXI6YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OQ==";

    fn secrets() -> Secrets {
        Secrets::of("testuser", KEY)
    }

    /// The key, the pair and the header's base64 (with or without padding) are replaced.
    #[test]
    fn every_form_is_replaced() {
        let s = secrets();
        let echo = format!(
            "Authorization: Basic {BASIC}; key={KEY}; pair=testuser:{KEY}; nopad={}; upper={}",
            BASIC.trim_end_matches('='),
            KEY.to_ascii_uppercase()
        );
        let shown = s.show(&echo, MAX_SHOWN_BYTES);
        assert_eq!(
            shown,
            "Authorization: Basic ***; key=***; pair=***; nopad=***; upper=***"
        );
    }

    /// Long text is cut after the limit, saying how much was left out.
    #[test]
    fn long_text_is_cut_with_a_note() {
        let text = "e".repeat(20 * 1024 * 1024);
        let shown = Secrets::none().show(&text, MAX_SHOWN_BYTES);
        assert!(shown.len() < MAX_SHOWN_BYTES + 64, "{}", shown.len());
        assert!(
            shown.ends_with(" [... 20,969,472 more bytes not shown]"),
            "{}",
            &shown[MAX_SHOWN_BYTES - 8..]
        );
    }

    /// A key straddling the cut is replaced whole, never shown in part.
    #[test]
    fn a_key_at_the_cut_is_not_shown_in_part() {
        for offset in [
            MAX_SHOWN_BYTES - 40,
            MAX_SHOWN_BYTES - 1,
            MAX_SHOWN_BYTES - 3,
        ] {
            let text = format!("{}{KEY}{}", "x".repeat(offset), "y".repeat(5000));
            let shown = secrets().show(&text, MAX_SHOWN_BYTES);
            assert!(!shown.contains(&KEY[..8]), "offset {offset}: {shown}");
            assert!(shown.contains("***"), "offset {offset}");
        }
    }

    /// Control characters are escaped; multi-byte text is cut on a character boundary.
    #[test]
    fn controls_escaped_and_utf8_kept() {
        let shown = Secrets::none().show("a\u{1b}[2Jb\r\u{202e}", 100);
        assert_eq!(shown, "a\\u{1b}[2Jb\\r\\u{202e}");
        let shown = Secrets::none().show(&"é".repeat(3000), 11);
        assert!(shown.starts_with("éééééé ["), "{shown}");
    }

    /// Showing shown text again changes nothing.
    #[test]
    fn showing_is_idempotent() {
        let s = secrets();
        let once = s.show(&format!("{KEY}\u{1b}{}", "z".repeat(9000)), MAX_SHOWN_BYTES);
        assert_eq!(s.show(&once, MAX_SHOWN_BYTES + NOTE_ROOM), once);
        let error = ApiError::Refused {
            status: 500,
            code: "C".into(),
            message: once.clone(),
        };
        assert_eq!(s.scrub_error(error).message(), once);
    }

    /// Excerpts flatten whitespace, stay short and say when the body was empty.
    #[test]
    fn excerpts() {
        let s = secrets();
        assert_eq!(
            s.excerpt("  <html>\n  <b>x</b>\n</html> "),
            "<html> <b>x</b> </html>"
        );
        assert_eq!(s.excerpt(" \n "), "empty body");
        let long = s.excerpt(&format!("{BASIC} {}", "w ".repeat(1000)));
        assert!(long.starts_with("*** w w"), "{long}");
        assert!(long.len() < EXCERPT_BYTES + 40, "{long}");
        assert!(long.ends_with("more bytes not shown]"), "{long}");
    }

    /// Short test keys are not scrubbed (they would garble messages); real ones are.
    #[test]
    fn short_keys_are_left_alone() {
        let s = Secrets::of("u", "k");
        assert_eq!(s.show("keep this text", 100), "keep this text");
        assert!(s.forms.is_empty());
    }

    /// Debug never shows a secret.
    #[test]
    fn debug_hides_secrets() {
        assert!(!format!("{:?}", secrets()).contains("abcdef"));
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(20_969_472), "20,969,472");
    }
}

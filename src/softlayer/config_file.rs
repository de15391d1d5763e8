//! The SDK's INI config file (`~/.softlayer`), read with Python
//! `configparser.RawConfigParser` semantics: `[section]` headers
//! (case-sensitive), `key = value` or `key: value` (keys case-insensitive,
//! split at the first delimiter, both sides trimmed), whole-line `#`/`;`
//! comments, no inline comments, indented continuation lines, a `[DEFAULT]`
//! section inherited by every other, and duplicates refused as in strict mode.

use std::collections::BTreeMap;

/// A parsed config file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ConfigFile {
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

/// Why a config file could not be parsed, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl ConfigFile {
    /// Parses the text of a config file.
    pub(crate) fn parse(text: &str) -> Result<ConfigFile, ParseError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut file = ConfigFile::default();
        let mut section: Option<String> = None;
        // The key a continuation line would extend, with its indentation.
        let mut last_key: Option<(String, usize)> = None;
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let error = |message: String| ParseError {
                line: line_no,
                message,
            };
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                last_key = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indent = raw.len() - raw.trim_start().len();
            if let (Some((key, key_indent)), Some(name)) = (&last_key, &section)
                && indent > *key_indent
            {
                if let Some(value) = file.sections.get_mut(name).and_then(|s| s.get_mut(key)) {
                    value.push('\n');
                    value.push_str(trimmed);
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    return Err(error(format!("unterminated section header `{trimmed}`")));
                };
                if file.sections.contains_key(name) {
                    return Err(error(format!("section [{name}] appears twice")));
                }
                file.sections.insert(name.to_string(), BTreeMap::new());
                section = Some(name.to_string());
                last_key = None;
                continue;
            }
            let Some(name) = &section else {
                return Err(error(
                    "a `key = value` line before any [section] header".into(),
                ));
            };
            let Some(split) = trimmed.find(['=', ':']) else {
                // The line is not echoed: it may be a mistyped API key.
                return Err(error("expected `key = value` or `key: value`".into()));
            };
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_string();
            if key.is_empty() {
                return Err(error("a value without a key".into()));
            }
            let entries = file.sections.entry(name.clone()).or_default();
            if entries.contains_key(&key) {
                return Err(error(format!("`{key}` appears twice in section [{name}]")));
            }
            entries.insert(key.clone(), value);
            last_key = Some((key, indent));
        }
        Ok(file)
    }

    /// The value of `key` in `section`, falling back to `[DEFAULT]`.
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&str> {
        let key = key.to_lowercase();
        self.sections
            .get(section)
            .and_then(|s| s.get(&key))
            .or_else(|| self.sections.get("DEFAULT").and_then(|s| s.get(&key)))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example config of the reference parses.
    #[test]
    fn reference_example() {
        let file = ConfigFile::parse(
            "[softlayer]\nusername = cliuser\napi_key = clikey\nendpoint_url = http://127.0.0.1:18556/rest/v3.1/\ntimeout = 0\n",
        )
        .unwrap();
        assert_eq!(file.get("softlayer", "username"), Some("cliuser"));
        assert_eq!(file.get("softlayer", "api_key"), Some("clikey"));
        assert_eq!(
            file.get("softlayer", "endpoint_url"),
            Some("http://127.0.0.1:18556/rest/v3.1/")
        );
        assert_eq!(file.get("softlayer", "timeout"), Some("0"));
    }

    /// Colons, comments, case-insensitive keys and case-sensitive sections.
    #[test]
    fn raw_config_parser_rules() {
        let text = "# comment\n; other\n[SoftLayer]\nusername = wrong\n[softlayer]\nUserName: u1\napi_key=k=with=equals  \nnote = a # not a comment\n";
        let file = ConfigFile::parse(text).unwrap();
        assert_eq!(file.get("softlayer", "username"), Some("u1"));
        assert_eq!(file.get("softlayer", "api_key"), Some("k=with=equals"));
        assert_eq!(file.get("softlayer", "note"), Some("a # not a comment"));
        assert_eq!(file.get("SoftLayer", "username"), Some("wrong"));
    }

    /// [DEFAULT] values are inherited; continuation lines extend a value.
    #[test]
    fn default_section_and_continuations() {
        let file = ConfigFile::parse(
            "[DEFAULT]\ntimeout = 30\n[softlayer]\nnote = one\n  two\nusername = u\n",
        )
        .unwrap();
        assert_eq!(file.get("softlayer", "timeout"), Some("30"));
        assert_eq!(file.get("softlayer", "note"), Some("one\ntwo"));
        assert_eq!(file.get("softlayer", "username"), Some("u"));
    }

    /// Malformed files are refused with the line number.
    #[test]
    fn errors_carry_lines() {
        assert_eq!(ConfigFile::parse("username = u\n").unwrap_err().line, 1);
        assert_eq!(
            ConfigFile::parse("[softlayer]\n\njust words\n")
                .unwrap_err()
                .line,
            3
        );
        assert_eq!(ConfigFile::parse("[softlayer\n").unwrap_err().line, 1);
        assert_eq!(ConfigFile::parse("[a]\nx=1\n[a]\n").unwrap_err().line, 3);
        assert_eq!(ConfigFile::parse("[a]\nx=1\nX=2\n").unwrap_err().line, 3);
    }

    /// A malformed line is not echoed, since it may be a mistyped key.
    #[test]
    fn malformed_line_is_not_echoed() {
        let err = ConfigFile::parse("[softlayer]\n0123456789abcdef\n").unwrap_err();
        assert!(!err.message.contains("0123"), "{}", err.message);
    }
}

//! objectMask: the whole grammar the API accepts, parsed into a tree that
//! names properties and casts only. Checking the tree against a type
//! (`metadata::check_mask`) and applying it to objects (`render`) are
//! separate steps, so the checker of slretire's requests and the emulator
//! read a mask exactly the same way.
//!
//! Forms: `mask[a,b[c]]`, `mask.a.b`, `[a,b]`, `filteredMask[...]`,
//! `mask(SoftLayer_Type)[...]` (a cast of the root), `prop(SoftLayer_Type)[...]`
//! (a cast of one property, at any depth), dotted paths inside brackets
//! (`billingItem.id`), several root forms separated by commas, `;` as a
//! legacy separator, and any whitespace (newlines included) between tokens.
//! A bare property list (`id,hostname`) is accepted too, as if wrapped in
//! `mask[...]`.
//!
//! The parser is recursive, so it bounds what it accepts ([`MAX_DEPTH`],
//! [`MAX_PROPERTIES`], [`MAX_LEN`]): a hostile mask gets an error, never a
//! stack overflow.

/// Deepest nesting accepted (`a[b[c]]` is 3 levels; so is `a.b.c`). Real
/// masks nest 2 to 6 levels.
pub(crate) const MAX_DEPTH: usize = 64;
/// Most property names in one mask. slcli's largest masks name about 120.
pub(crate) const MAX_PROPERTIES: usize = 2_000;
/// Longest mask text accepted, in bytes.
pub(crate) const MAX_LEN: usize = 32 * 1024;

/// One level of a mask: the properties selected on an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Mask {
    pub(crate) items: Vec<MaskItem>,
}

/// One selected property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MaskItem {
    pub(crate) name: String,
    /// The item applies to objects of this type (from a cast such as
    /// `mask(SoftLayer_Hardware_Server)[...]` or `prop(SoftLayer_X)[...]`)
    /// and is read on that type.
    pub(crate) guard: Option<String>,
    /// What to select on the related object(s); None selects its locals.
    pub(crate) sub: Option<Mask>,
}

/// A parsed root mask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ObjectMask {
    pub(crate) root: Mask,
    /// `filteredMask[...]`: the objectFilter also filters nested lists.
    pub(crate) filtered: bool,
}

/// Why a mask text was not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyntaxError {
    /// What SoftLayer answers with `SoftLayer_Exception_Common_Parser`:
    /// `Error on line L at column C: Expected X, got 'Y'`.
    Parser(String),
    /// Beyond one of the limits above (the text says which).
    TooLarge(String),
}

impl SyntaxError {
    pub(crate) fn message(&self) -> &str {
        match self {
            SyntaxError::Parser(m) | SyntaxError::TooLarge(m) => m,
        }
    }
}

impl ObjectMask {
    /// Parses `text` (syntax only: no property is looked up).
    pub(crate) fn parse(text: &str) -> Result<ObjectMask, SyntaxError> {
        if text.len() > MAX_LEN {
            return Err(SyntaxError::TooLarge(format!(
                "Object mask is {} bytes long; at most {MAX_LEN} are accepted.",
                text.len()
            )));
        }
        let mut parser = Parser {
            text,
            chars: text.char_indices().collect(),
            pos: 0,
            depth: 0,
            properties: 0,
        };
        parser.root()
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    /// Current nesting (levels entered and not yet left).
    depth: usize,
    /// Property names read so far.
    properties: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Name,
    Char(char),
    End,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].1.is_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Tok {
        self.skip_ws();
        match self.chars.get(self.pos) {
            None => Tok::End,
            Some((_, c)) if c.is_ascii_alphabetic() || *c == '_' => Tok::Name,
            Some((_, c)) => Tok::Char(*c),
        }
    }

    fn error(&self, expected: &str) -> SyntaxError {
        let offset = self
            .chars
            .get(self.pos)
            .map_or(self.text.len(), |(i, _)| *i);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let got = self
            .chars
            .get(self.pos)
            .map_or(String::new(), |(_, c)| c.to_string());
        SyntaxError::Parser(format!(
            "Error on line {line} at column {column}: Expected {expected}, got '{got}'"
        ))
    }

    fn expect(&mut self, c: char, expected: &str) -> Result<(), SyntaxError> {
        if self.peek() == Tok::Char(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn name(&mut self, expected: &str) -> Result<String, SyntaxError> {
        if self.peek() != Tok::Name {
            return Err(self.error(expected));
        }
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|(_, c)| c.is_ascii_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        Ok(self.chars[start..self.pos].iter().map(|(_, c)| c).collect())
    }

    /// Enters one nesting level; refused beyond [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::TooLarge(format!(
                "Object mask is nested more than {MAX_DEPTH} levels deep."
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn root(&mut self) -> Result<ObjectMask, SyntaxError> {
        let mut out = ObjectMask::default();
        loop {
            self.root_item(&mut out)?;
            match self.peek() {
                Tok::End => return Ok(out),
                Tok::Char(',' | ';') => self.pos += 1,
                _ => return Err(self.error("',' or end of mask")),
            }
        }
    }

    fn root_item(&mut self, out: &mut ObjectMask) -> Result<(), SyntaxError> {
        match self.peek() {
            Tok::Char('[') => {
                // `[a,b]`, also holding root forms: slcli's `hw list`
                // default is `[mask[...], mask(SoftLayer_Hardware_Server)[...]]`.
                self.pos += 1;
                self.enter()?;
                loop {
                    if self.at_root_keyword() {
                        self.root_item(out)?;
                    } else {
                        let item = self.item()?;
                        out.root.items.push(item);
                    }
                    match self.peek() {
                        Tok::Char(',' | ';') => self.pos += 1,
                        _ => break,
                    }
                }
                self.expect(']', "']'")?;
                self.leave();
                Ok(())
            }
            Tok::Name => {
                let save = self.pos;
                let word = self.name("PROPERTY")?;
                if word == "mask" || word == "filteredMask" {
                    out.filtered |= word == "filteredMask";
                    let guard = self.cast()?;
                    let mut level = match self.peek() {
                        Tok::Char('[') => {
                            self.pos += 1;
                            self.bracketed()?
                        }
                        Tok::Char('.') => {
                            self.pos += 1;
                            self.enter()?;
                            let item = self.item()?;
                            self.leave();
                            Mask { items: vec![item] }
                        }
                        _ => return Err(self.error("'[' or '.'")),
                    };
                    if let Some(g) = guard {
                        apply_guard(&mut level, &g);
                    }
                    out.root.items.extend(level.items);
                    Ok(())
                } else {
                    self.pos = save;
                    self.enter()?;
                    let item = self.item()?;
                    self.leave();
                    out.root.items.push(item);
                    Ok(())
                }
            }
            _ => Err(self.error("PROPERTY")),
        }
    }

    /// Whether the next tokens are `mask` or `filteredMask` opening a root
    /// form (followed by `[`, `(` or `.`).
    fn at_root_keyword(&mut self) -> bool {
        let save = self.pos;
        let keyword = self.peek() == Tok::Name
            && self
                .name("PROPERTY")
                .is_ok_and(|w| w == "mask" || w == "filteredMask")
            && matches!(self.peek(), Tok::Char('[' | '(' | '.'));
        self.pos = save;
        keyword
    }

    fn cast(&mut self) -> Result<Option<String>, SyntaxError> {
        if self.peek() != Tok::Char('(') {
            return Ok(None);
        }
        self.pos += 1;
        let name = self.name("TYPE")?;
        self.expect(')', "')'")?;
        Ok(Some(name))
    }

    /// A `[...]` level, its opening bracket already read.
    fn bracketed(&mut self) -> Result<Mask, SyntaxError> {
        self.enter()?;
        let mut level = Mask::default();
        loop {
            level.items.push(self.item()?);
            match self.peek() {
                Tok::Char(',' | ';') => self.pos += 1,
                _ => break,
            }
        }
        self.expect(']', "']'")?;
        self.leave();
        Ok(level)
    }

    fn item(&mut self) -> Result<MaskItem, SyntaxError> {
        let name = self.name("PROPERTY")?;
        self.properties += 1;
        if self.properties > MAX_PROPERTIES {
            return Err(SyntaxError::TooLarge(format!(
                "Object mask names more than {MAX_PROPERTIES} properties."
            )));
        }
        let guard = self.cast()?;
        let mut sub = match self.peek() {
            Tok::Char('[') => {
                self.pos += 1;
                Some(self.bracketed()?)
            }
            Tok::Char('.') => {
                self.pos += 1;
                self.enter()?;
                let item = self.item()?;
                self.leave();
                Some(Mask { items: vec![item] })
            }
            _ => None,
        };
        if let Some(g) = guard {
            let level = sub.get_or_insert_with(Mask::default);
            apply_guard(level, &g);
        }
        Ok(MaskItem {
            name,
            guard: None,
            sub,
        })
    }
}

/// A cast: every item of the level applies only to objects of `guard`.
fn apply_guard(level: &mut Mask, guard: &str) {
    for item in &mut level.items {
        item.guard.get_or_insert_with(|| guard.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ObjectMask {
        ObjectMask::parse(text).unwrap()
    }

    fn names_of(level: &Mask) -> Vec<&str> {
        level.items.iter().map(|i| i.name.as_str()).collect()
    }

    /// The slcli hardware cancel mask parses with nested brackets.
    #[test]
    fn parses_nested_brackets() {
        let m = parse(
            "mask[id, hourlyBillingFlag, billingItem[id], openCancellationTicket[id], activeTransaction]",
        );
        assert_eq!(
            names_of(&m.root),
            vec![
                "id",
                "hourlyBillingFlag",
                "billingItem",
                "openCancellationTicket",
                "activeTransaction"
            ]
        );
        assert_eq!(names_of(m.root.items[2].sub.as_ref().unwrap()), vec!["id"]);
    }

    /// Dotted paths, `mask.a.b`, bare lists and newlines all parse.
    #[test]
    fn parses_dotted_and_bare_forms() {
        let m = parse("mask[id, billingItem.id]");
        assert_eq!(names_of(m.root.items[1].sub.as_ref().unwrap()), vec!["id"]);
        let m = parse("mask.billingItem.id");
        assert_eq!(names_of(&m.root), vec!["billingItem"]);
        let m = parse("id,\n    hostname");
        assert_eq!(names_of(&m.root), vec!["id", "hostname"]);
        let m = parse("[id]");
        assert_eq!(names_of(&m.root), vec!["id"]);
        let m = parse("mask[id];mask.hostname");
        assert_eq!(names_of(&m.root), vec!["id", "hostname"]);
        // Root forms inside one bracket, as slcli's `hw list` sends them.
        let m =
            parse("[mask[id, hostname], mask(SoftLayer_Hardware_Server)[activeTransaction[id]]]");
        assert_eq!(
            names_of(&m.root),
            vec!["id", "hostname", "activeTransaction"]
        );
        assert_eq!(
            m.root.items[2].guard.as_deref(),
            Some("SoftLayer_Hardware_Server")
        );
    }

    /// Casts guard the items they cover, at the root and per property.
    #[test]
    fn parses_casts() {
        let m = parse("mask(SoftLayer_Billing_Item_Virtual_Guest)[resourceTableId]");
        assert_eq!(
            m.root.items[0].guard.as_deref(),
            Some("SoftLayer_Billing_Item_Virtual_Guest")
        );
        let m = parse("mask[billingItem(SoftLayer_Billing_Item_Hardware)[resourceTableId]]");
        let sub = m.root.items[0].sub.as_ref().unwrap();
        assert_eq!(
            sub.items[0].guard.as_deref(),
            Some("SoftLayer_Billing_Item_Hardware")
        );
        assert_eq!(m.root.items[0].guard, None);
    }

    /// filteredMask is recognised.
    #[test]
    fn parses_filtered_mask() {
        assert!(parse("filteredMask[id,tagReferences]").filtered);
        assert!(!parse("mask[id]").filtered);
    }

    /// Syntax errors are parser errors with a position.
    #[test]
    fn syntax_error_is_parser_error() {
        let e = ObjectMask::parse("mask[id,]").unwrap_err();
        assert_eq!(
            e,
            SyntaxError::Parser("Error on line 1 at column 9: Expected PROPERTY, got ']'".into())
        );
        let e = ObjectMask::parse("mask[id,\nbillingItem[id]").unwrap_err();
        assert_eq!(
            e.message(),
            "Error on line 2 at column 16: Expected ']', got ''"
        );
        assert!(ObjectMask::parse("mask[id] x").is_err());
    }

    /// Nesting, property count and length are bounded: a hostile mask is
    /// an error, not a stack overflow; the deepest accepted one parses.
    #[test]
    fn hostile_masks_are_refused() {
        // `mask[a[a[...[id]]]]`, n levels.
        let deep = |n: usize| format!("mask{}[id{}", "[a".repeat(n - 1), "]".repeat(n));
        let ok = deep(MAX_DEPTH);
        assert!(ObjectMask::parse(&ok).is_ok(), "{ok}");
        for text in [
            deep(MAX_DEPTH + 1),
            deep(5_000),
            format!("mask.{}id", "a.".repeat(5_000)),
            format!("{}id", "a.".repeat(100_000)),
            format!("{}id{}", "[mask".repeat(5_000), "]".repeat(5_000)),
        ] {
            let e = ObjectMask::parse(&text).unwrap_err();
            assert!(matches!(e, SyntaxError::TooLarge(_)), "{e:?}");
        }
        assert!(
            ObjectMask::parse(&format!("{}id{}", "[".repeat(5_000), "]".repeat(5_000))).is_err()
        );
        let many = format!("mask[{}]", vec!["id"; MAX_PROPERTIES + 1].join(","));
        assert_eq!(
            ObjectMask::parse(&many).unwrap_err().message(),
            format!("Object mask names more than {MAX_PROPERTIES} properties.")
        );
        let long = format!("mask[{}]", "a".repeat(MAX_LEN));
        assert!(matches!(
            ObjectMask::parse(&long),
            Err(SyntaxError::TooLarge(_))
        ));
    }
}

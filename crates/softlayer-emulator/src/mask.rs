//! objectMask: parsing the whole grammar the API accepts and checking every
//! property against the type table.
//!
//! Forms: `mask[a,b[c]]`, `mask.a.b`, `[a,b]`, `filteredMask[...]`,
//! `mask(SoftLayer_Type)[...]` (a cast of the root), `prop(SoftLayer_Type)[...]`
//! (a cast of one property), dotted paths inside brackets (`billingItem.id`),
//! several root forms separated by commas, `;` as a legacy separator, and any
//! whitespace (newlines included) between tokens. A bare property list
//! (`id,hostname`) is accepted too, as if wrapped in `mask[...]`.

use crate::api_error::ApiError;
use crate::types::{Card, PropDef, TypeDef, type_def};

/// One level of a mask: the properties selected on an object.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mask {
    pub(crate) items: Vec<MaskItem>,
}

/// One selected property.
#[derive(Debug, Clone)]
pub(crate) struct MaskItem {
    pub(crate) name: String,
    /// The item only applies to objects of this type (from a cast).
    pub(crate) guard: Option<&'static TypeDef>,
    /// What to select on the related object(s); None selects its locals.
    pub(crate) sub: Option<Mask>,
}

/// A parsed root mask.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectMask {
    pub(crate) root: Mask,
    /// `filteredMask[...]`: the objectFilter also filters nested lists.
    pub(crate) filtered: bool,
}

impl ObjectMask {
    /// Parses `text` and validates it against the returned type `ty`.
    pub(crate) fn parse(text: &str, ty: &'static TypeDef) -> Result<ObjectMask, ApiError> {
        let mut parser = Parser {
            text,
            chars: text.char_indices().collect(),
            pos: 0,
        };
        let mask = parser.root()?;
        validate(&mask.root, ty)?;
        Ok(mask)
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
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

    fn error(&self, expected: &str) -> ApiError {
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
        ApiError::parser(format!(
            "Error on line {line} at column {column}: Expected {expected}, got '{got}'"
        ))
    }

    fn expect(&mut self, c: char, expected: &str) -> Result<(), ApiError> {
        if self.peek() == Tok::Char(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn name(&mut self, expected: &str) -> Result<String, ApiError> {
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

    fn root(&mut self) -> Result<ObjectMask, ApiError> {
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

    fn root_item(&mut self, out: &mut ObjectMask) -> Result<(), ApiError> {
        match self.peek() {
            Tok::Char('[') => {
                self.pos += 1;
                let level = self.list()?;
                self.expect(']', "']'")?;
                out.root.items.extend(level.items);
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
                            let level = self.list()?;
                            self.expect(']', "']'")?;
                            level
                        }
                        Tok::Char('.') => {
                            self.pos += 1;
                            Mask {
                                items: vec![self.item()?],
                            }
                        }
                        _ => return Err(self.error("'[' or '.'")),
                    };
                    if let Some(g) = guard {
                        apply_guard(&mut level, g);
                    }
                    out.root.items.extend(level.items);
                    Ok(())
                } else {
                    self.pos = save;
                    let item = self.item()?;
                    out.root.items.push(item);
                    Ok(())
                }
            }
            _ => Err(self.error("PROPERTY")),
        }
    }

    fn cast(&mut self) -> Result<Option<&'static TypeDef>, ApiError> {
        if self.peek() != Tok::Char('(') {
            return Ok(None);
        }
        self.pos += 1;
        let name = self.name("TYPE")?;
        self.expect(')', "')'")?;
        match type_def(&name) {
            Some(t) => Ok(Some(t)),
            None => Err(ApiError::object_mask(format!(
                "Type '{name}' not valid in object mask."
            ))),
        }
    }

    fn list(&mut self) -> Result<Mask, ApiError> {
        let mut level = Mask::default();
        loop {
            level.items.push(self.item()?);
            match self.peek() {
                Tok::Char(',' | ';') => self.pos += 1,
                _ => return Ok(level),
            }
        }
    }

    fn item(&mut self) -> Result<MaskItem, ApiError> {
        let name = self.name("PROPERTY")?;
        let guard = self.cast()?;
        let mut sub = match self.peek() {
            Tok::Char('[') => {
                self.pos += 1;
                let level = self.list()?;
                self.expect(']', "']'")?;
                Some(level)
            }
            Tok::Char('.') => {
                self.pos += 1;
                Some(Mask {
                    items: vec![self.item()?],
                })
            }
            _ => None,
        };
        if let Some(g) = guard {
            let level = sub.get_or_insert_with(Mask::default);
            apply_guard(level, g);
        }
        Ok(MaskItem {
            name,
            guard: None,
            sub,
        })
    }
}

/// A cast: every item of the level applies only to objects of `guard`.
fn apply_guard(level: &mut Mask, guard: &'static TypeDef) {
    for item in &mut level.items {
        item.guard.get_or_insert(guard);
    }
}

fn validate(level: &Mask, ty: &'static TypeDef) -> Result<(), ApiError> {
    for item in &level.items {
        let on = item.guard.unwrap_or(ty);
        if on.open {
            continue;
        }
        match on.prop(&item.name) {
            None => {
                return Err(ApiError::object_mask(format!(
                    "Property '{}' not valid for '{}'.",
                    item.name, on.name
                )));
            }
            Some(PropDef::Rel(rel)) if !matches!(rel.card, Card::Scalar(_)) => {
                if let Some(sub) = &item.sub
                    && let Some(target) = type_def(rel.target)
                {
                    validate(sub, target)?;
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{known, names};

    fn parse(text: &str) -> Result<ObjectMask, ApiError> {
        ObjectMask::parse(text, known(names::HARDWARE_SERVER))
    }

    fn names_of(level: &Mask) -> Vec<&str> {
        level.items.iter().map(|i| i.name.as_str()).collect()
    }

    /// The slcli hardware cancel mask parses with nested brackets.
    #[test]
    fn parses_nested_brackets() {
        let m = parse(
            "mask[id, hourlyBillingFlag, billingItem[id], openCancellationTicket[id], activeTransaction]",
        )
        .unwrap();
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
        let m = parse("mask[id, billingItem.id]").unwrap();
        assert_eq!(names_of(m.root.items[1].sub.as_ref().unwrap()), vec!["id"]);
        let m = parse("mask.billingItem.id").unwrap();
        assert_eq!(names_of(&m.root), vec!["billingItem"]);
        let m = parse("id,\n    hostname").unwrap();
        assert_eq!(names_of(&m.root), vec!["id", "hostname"]);
        let m = parse("[id]").unwrap();
        assert_eq!(names_of(&m.root), vec!["id"]);
        let m = parse("mask[id];mask.hostname").unwrap();
        assert_eq!(names_of(&m.root), vec!["id", "hostname"]);
    }

    /// Casts guard the items they cover, at the root and per property.
    #[test]
    fn parses_casts() {
        let m = ObjectMask::parse(
            "mask(SoftLayer_Billing_Item_Virtual_Guest)[resourceTableId]",
            known(names::BILLING_ITEM),
        )
        .unwrap();
        assert_eq!(m.root.items[0].guard.unwrap().name, names::BILLING_GUEST);
        let m =
            parse("mask[billingItem(SoftLayer_Billing_Item_Hardware)[resourceTableId]]").unwrap();
        let sub = m.root.items[0].sub.as_ref().unwrap();
        assert_eq!(sub.items[0].guard.unwrap().name, names::BILLING_HARDWARE);
        // Without the cast, a subtype property is unknown on the base type.
        let e = ObjectMask::parse("mask[resourceTableId]", known(names::BILLING_ITEM)).unwrap_err();
        assert_eq!(
            e.message,
            "Property 'resourceTableId' not valid for 'SoftLayer_Billing_Item'."
        );
    }

    /// filteredMask is recognised.
    #[test]
    fn parses_filtered_mask() {
        let m = parse("filteredMask[id,tagReferences]").unwrap();
        assert!(m.filtered);
    }

    /// Unknown properties are ObjectMask errors naming the type.
    #[test]
    fn unknown_property_is_object_mask_error() {
        let e = parse("mask[id,billingItem[foo]]").unwrap_err();
        assert_eq!(e.code, "SoftLayer_Exception_WebService_ObjectMask");
        assert_eq!(e.status, 500);
        assert_eq!(
            e.message,
            "Property 'foo' not valid for 'SoftLayer_Billing_Item_Hardware'."
        );
    }

    /// Syntax errors are parser errors with a position.
    #[test]
    fn syntax_error_is_parser_error() {
        let e = parse("mask[id,]").unwrap_err();
        assert_eq!(e.code, "SoftLayer_Exception_Common_Parser");
        assert_eq!(
            e.message,
            "Error on line 1 at column 9: Expected PROPERTY, got ']'"
        );
        let e = parse("mask[id,\nbillingItem[id]").unwrap_err();
        assert_eq!(
            e.message,
            "Error on line 2 at column 16: Expected ']', got ''"
        );
        assert!(parse("mask[id] x").is_err());
    }

    /// The vlan cancel mask of slcli validates against SoftLayer_Network_Vlan.
    #[test]
    fn slcli_vlan_mask_is_valid() {
        let m = "mask[firewallInterfaces,primaryRouter[id, fullyQualifiedDomainName, datacenter],totalPrimaryIpAddressCount,networkSpace,billingItem,hardware,subnets,virtualGuests,networkVlanFirewall[id,fullyQualifiedDomainName,primaryIpAddress],attachedNetworkGateway[id,name,networkFirewall]]";
        ObjectMask::parse(m, known(names::VLAN)).unwrap();
        let order = "mask[id,itemCount,modifyDate,createDate,ticketId,ticket[assignedUserId,id,serviceProviderResourceId],status[name,id],user[id,firstName,lastName]]";
        ObjectMask::parse(order, known(names::CANCEL_REQUEST)).unwrap();
    }
}

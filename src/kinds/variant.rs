//! What an object is, beyond its kind, where that changes how it is
//! cancelled. Only the room of the kind a variant belongs to decides on it;
//! plans record it as its text.

/// The variant of an object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Variant {
    /// The kind says it all.
    #[default]
    Plain,
    /// load_balancer: a legacy local VIP billed by its own item.
    Vip,
    /// load_balancer: a VIP billed through its dedicated device.
    DedicatedVip,
    /// load_balancer: an IBM Cloud LBaaS instance (no billing item).
    Lbaas,
    /// subnet and storage: the API's own type name (`PRIMARY`,
    /// `ENDURANCE_BLOCK_STORAGE`); the room reads meaning into it.
    Typed(String),
}

impl Variant {
    /// The text plans record; `None` for [`Variant::Plain`].
    pub fn text(&self) -> Option<&str> {
        match self {
            Variant::Plain => None,
            Variant::Vip => Some("vip"),
            Variant::DedicatedVip => Some("dedicated_vip"),
            Variant::Lbaas => Some("lbaas"),
            Variant::Typed(name) => Some(name),
        }
    }

    /// The variant a plan recorded as `text`.
    pub fn from_text(text: Option<&str>) -> Variant {
        match text {
            None => Variant::Plain,
            Some("vip") => Variant::Vip,
            Some("dedicated_vip") => Variant::DedicatedVip,
            Some("lbaas") => Variant::Lbaas,
            Some(other) => Variant::Typed(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant survives the plan's text.
    #[test]
    fn round_trips_through_text() {
        for v in [
            Variant::Plain,
            Variant::Vip,
            Variant::DedicatedVip,
            Variant::Lbaas,
            Variant::Typed("PRIMARY".into()),
        ] {
            assert_eq!(Variant::from_text(v.text()), v);
        }
    }
}

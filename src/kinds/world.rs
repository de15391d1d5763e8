//! What a snapshot (a world file, `slretire-world/1`) stores for a kind:
//! its lists and the masks that yield exactly the stored shape (relations
//! by id, no derived properties, no secrets, never `users`). The export
//! engine is `snapshot::export`; the rooms declare their lists with these
//! pieces.
//!
//! The masks name every stored property explicitly: SoftLayer's REST API
//! may drop local properties when a level names only relations, and a
//! derived or computed property would contradict the data once loaded back.

/// A billing item's stored local properties.
macro_rules! billing_locals {
    () => {
        "id,categoryCode,description,recurringFee,hourlyRecurringFee,oneTimeFee,setupFee,\
laborFee,createDate,cycleStartDate,lastBillDate,nextBillDate,cancellationDate,modifyDate,allowCancellationFlag,notes,\
hostName,domainName,orderItemId,recurringMonths,serviceProviderId,associatedBillingItemId,location[id,name,longName,statusId]"
    };
}
pub(crate) use billing_locals;

/// Where an object is.
macro_rules! location {
    () => {
        "datacenter[id,name,longName,statusId]"
    };
}
pub(crate) use location;

/// The object's tags, as the emulator stores them.
macro_rules! tags {
    () => {
        "tagReferences[id,tagId,resourceTableId,tagTypeId,usrRecordId,empRecordId,\
tag[id,name,accountId,internal],tagType[keyName,description]]"
    };
}
pub(crate) use tags;

/// A running provisioning or reclaim transaction.
macro_rules! transaction {
    () => {
        "activeTransaction[id,createDate,modifyDate,elapsedSeconds,guestId,hardwareId,\
statusChangeDate,transactionStatus[name,friendlyName,averageDuration]]"
    };
}
pub(crate) use transaction;

/// An IP address record under the relation `$key`.
macro_rules! ip_address {
    ($key:literal) => {
        concat!(
            $key,
            "[id,ipAddress,note,isBroadcast,isGateway,isNetwork,isReserved]"
        )
    };
}
pub(crate) use ip_address;

/// A router under the relation `$key`.
macro_rules! router {
    ($key:literal) => {
        concat!(
            $key,
            "[id,hostname,domain,datacenter[id,name,longName,statusId]]"
        )
    };
}
pub(crate) use router;

/// One list of a world file and the single API list call that fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorldList {
    /// The key in the world file (the `SoftLayer_Account` property name).
    pub key: &'static str,
    pub service: &'static str,
    pub method: &'static str,
    /// Filter root; `None` for a `getAllObjects` service.
    pub root: Option<&'static str>,
    /// Properties of the object itself.
    pub locals: &'static str,
    /// Relations stored with it (tags, place, routers, addresses).
    pub relations: &'static [&'static str],
    /// Its billing item relations, each stored with its children.
    pub billing_items: &'static [&'static str],
    /// How the billing items' children are asked for (`children`, or a
    /// volume's `activeChildren`, what the SDK reads).
    pub children: &'static str,
    /// The type the mask is cast to, when the list method returns a base
    /// type and the mask names properties only the derived type has.
    pub cast: Option<&'static str>,
    /// A derived relation holding an open cancellation ticket, which the
    /// world stores in its own `tickets` list (servers).
    pub tickets_from: Option<&'static str>,
    /// The list of top-level billing items: read last, without the items
    /// already stored under an object.
    pub top_level_billing: bool,
}

impl WorldList {
    /// A list with no relations, billing items or tickets.
    pub const PLAIN: WorldList = WorldList {
        key: "",
        service: "SoftLayer_Account",
        method: "",
        root: None,
        locals: "",
        relations: &[],
        billing_items: &[],
        children: "children",
        cast: None,
        tickets_from: None,
        top_level_billing: false,
    };

    /// The object mask of the list call.
    pub fn mask(&self) -> String {
        let mut parts = vec![self.locals.to_string()];
        parts.extend(self.relations.iter().map(ToString::to_string));
        for relation in self.billing_items {
            parts.push(format!(
                "{relation}[{},hourlyFlag,{}[{}]]",
                billing_locals!(),
                self.children,
                billing_locals!()
            ));
        }
        match self.cast {
            Some(cast) => format!("mask({cast})[{}]", parts.join(",")),
            None => format!("mask[{}]", parts.join(",")),
        }
    }
}

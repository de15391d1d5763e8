//! The explicit type table: for every SoftLayer datatype the emulator knows,
//! its local properties (returned by default) and its relational properties
//! (returned only when masked) with their target type.
//!
//! One table drives everything that needs to know a property: world-file
//! validation, object-mask validation, rendering and filtering. A property
//! missing here is an unknown property everywhere, on purpose.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The JSON shape a local (or scalar relational) property must have in a
/// world file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueKind {
    /// A JSON integer.
    Int,
    /// A JSON string.
    Str,
    /// Money as the API sends it: a JSON string holding a decimal.
    Money,
    /// An ISO-8601 timestamp with offset, as a JSON string.
    Date,
    /// A JSON boolean.
    Bool,
    /// An integer flag (0/1); booleans are accepted too.
    Flag,
    /// Any JSON number.
    Num,
    /// An IPv4 or IPv6 address as a JSON string.
    Ip,
    /// Anything.
    Any,
}

/// How many values a relational property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Card {
    /// One object (or absent).
    One,
    /// A list of objects.
    Many,
    /// A scalar value that the API nevertheless treats as relational
    /// (`hourlyFlag`, `primaryIpAddress`, counts).
    Scalar(ValueKind),
}

/// Where the value of a relational property comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Src {
    /// Written in the world file as nested JSON and served as written.
    Stored,
    /// Written in the world file by id only (`{"id": N}`); served as the
    /// full object it points at.
    ById,
    /// Derived by the emulator (inverse relations, tickets); a world file
    /// that writes it is rejected, because it would contradict the data.
    Derived,
    /// Computed by the emulator (counts, flags, sums); a world file value is
    /// ignored, so snapshots taken with such masks still load.
    Computed,
}

/// A relational property.
#[derive(Debug)]
pub(crate) struct Rel {
    pub(crate) name: &'static str,
    pub(crate) card: Card,
    pub(crate) target: &'static str,
    pub(crate) src: Src,
}

/// One SoftLayer datatype.
#[derive(Debug)]
pub(crate) struct TypeDef {
    pub(crate) name: &'static str,
    /// The datatype this one extends (its properties are inherited).
    pub(crate) parent: Option<&'static str>,
    /// An open type accepts and serves any property (used for nested
    /// objects the emulator only passes through).
    pub(crate) open: bool,
    pub(crate) locals: &'static [(&'static str, ValueKind)],
    /// Locals the emulator computes; world values for them are ignored.
    pub(crate) computed: &'static [&'static str],
    pub(crate) rels: &'static [Rel],
}

/// What a property name means on a type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PropDef {
    Local(ValueKind, bool),
    Rel(&'static Rel),
}

const fn one(name: &'static str, target: &'static str, src: Src) -> Rel {
    Rel {
        name,
        card: Card::One,
        target,
        src,
    }
}

const fn many(name: &'static str, target: &'static str, src: Src) -> Rel {
    Rel {
        name,
        card: Card::Many,
        target,
        src,
    }
}

const fn scalar(name: &'static str, kind: ValueKind, src: Src) -> Rel {
    Rel {
        name,
        card: Card::Scalar(kind),
        target: "",
        src,
    }
}

use Src::{ById, Computed, Derived, Stored};
use ValueKind::{Any, Bool, Date, Flag, Int, Ip, Money, Num, Str};

/// Type names used in code (kept in one place to avoid typos).
pub(crate) mod names {
    pub(crate) const ACCOUNT: &str = "SoftLayer_Account";
    pub(crate) const USER: &str = "SoftLayer_User_Customer";
    pub(crate) const GUEST: &str = "SoftLayer_Virtual_Guest";
    pub(crate) const HARDWARE: &str = "SoftLayer_Hardware";
    pub(crate) const HARDWARE_SERVER: &str = "SoftLayer_Hardware_Server";
    pub(crate) const STORAGE: &str = "SoftLayer_Network_Storage";
    pub(crate) const SUBNET: &str = "SoftLayer_Network_Subnet";
    pub(crate) const VLAN: &str = "SoftLayer_Network_Vlan";
    pub(crate) const GLOBAL_IP: &str = "SoftLayer_Network_Subnet_IpAddress_Global";
    pub(crate) const IP_ADDRESS: &str = "SoftLayer_Network_Subnet_IpAddress";
    pub(crate) const ADC: &str =
        "SoftLayer_Network_Application_Delivery_Controller_LoadBalancer_VirtualIpAddress";
    pub(crate) const LBAAS: &str = "SoftLayer_Network_LBaaS_LoadBalancer";
    /// What the CDN Marketplace mapping service lists (a container type: no `id`).
    pub(crate) const CDN_MAPPING: &str =
        "SoftLayer_Container_Network_CdnMarketplace_Configuration_Mapping";
    /// The service that lists and deletes CDN domain mappings.
    pub(crate) const CDN_SERVICE: &str = "SoftLayer_Network_CdnMarketplace_Configuration_Mapping";
    pub(crate) const HOST: &str = "SoftLayer_Virtual_DedicatedHost";
    pub(crate) const BILLING_ITEM: &str = "SoftLayer_Billing_Item";
    pub(crate) const BILLING_GUEST: &str = "SoftLayer_Billing_Item_Virtual_Guest";
    pub(crate) const BILLING_HARDWARE: &str = "SoftLayer_Billing_Item_Hardware";
    pub(crate) const BILLING_HOST: &str = "SoftLayer_Billing_Item_Virtual_DedicatedHost";
    pub(crate) const BILLING_SUBNET: &str = "SoftLayer_Billing_Item_Network_Subnet";
    pub(crate) const BILLING_GLOBAL_IP: &str =
        "SoftLayer_Billing_Item_Network_Subnet_IpAddress_Global";
    pub(crate) const BILLING_LOAD_BALANCER: &str = "SoftLayer_Billing_Item_Network_LoadBalancer";
    pub(crate) const TICKET: &str = "SoftLayer_Ticket";
    pub(crate) const CANCEL_REQUEST: &str = "SoftLayer_Billing_Item_Cancellation_Request";
    pub(crate) const CANCEL_REQUEST_ITEM: &str = "SoftLayer_Billing_Item_Cancellation_Request_Item";
    pub(crate) const LOCATION: &str = "SoftLayer_Location";
    pub(crate) const TAG_REFERENCE: &str = "SoftLayer_Tag_Reference";
    pub(crate) const ROUTER: &str = "SoftLayer_Hardware_Router";
    pub(crate) const PRODUCT_CATEGORY: &str = "SoftLayer_Product_Item_Category";
    pub(crate) const TICKET_STATUS: &str = "SoftLayer_Ticket_Status";
    pub(crate) const TICKET_UPDATE: &str = "SoftLayer_Ticket_Update";
    pub(crate) const CANCEL_REQUEST_STATUS: &str =
        "SoftLayer_Billing_Item_Cancellation_Request_Status";
    pub(crate) const POD: &str = "SoftLayer_Network_Pod";
    pub(crate) const TRANSACTION: &str = "SoftLayer_Provisioning_Version1_Transaction";
    pub(crate) const HARDWARE_COMPONENT: &str = "SoftLayer_Hardware_Component";
    pub(crate) const BANDWIDTH_DETAIL: &str =
        "SoftLayer_Network_Bandwidth_Version1_Allotment_Detail";
    pub(crate) const BANDWIDTH_USAGE: &str = "SoftLayer_Network_Bandwidth_Usage";
    pub(crate) const CDN_ACCELERATION: &str = "SoftLayer_Container_Network_CdnMarketplace_Configuration_Performance_DynamicContentAcceleration";
    pub(crate) const HOST_ALLOCATION: &str =
        "SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus";
}

use names::{
    ACCOUNT, ADC, BANDWIDTH_DETAIL, BANDWIDTH_USAGE, BILLING_GLOBAL_IP, BILLING_GUEST,
    BILLING_HARDWARE, BILLING_HOST, BILLING_ITEM, BILLING_LOAD_BALANCER, BILLING_SUBNET,
    CANCEL_REQUEST, CANCEL_REQUEST_ITEM, CANCEL_REQUEST_STATUS, CDN_ACCELERATION, CDN_MAPPING,
    GLOBAL_IP, GUEST, HARDWARE, HARDWARE_COMPONENT, HARDWARE_SERVER, HOST, HOST_ALLOCATION,
    IP_ADDRESS, LBAAS, LOCATION, POD, PRODUCT_CATEGORY, ROUTER, STORAGE, SUBNET, TAG_REFERENCE,
    TICKET, TICKET_STATUS, TICKET_UPDATE, TRANSACTION, USER, VLAN,
};

const BILLING_LOCALS: &[(&str, ValueKind)] = &[
    ("id", Int),
    ("parentId", Int),
    ("categoryCode", Str),
    ("description", Str),
    ("recurringFee", Money),
    ("hourlyRecurringFee", Money),
    ("oneTimeFee", Money),
    ("setupFee", Money),
    ("laborFee", Money),
    ("createDate", Date),
    ("cycleStartDate", Date),
    ("lastBillDate", Date),
    ("nextBillDate", Date),
    ("cancellationDate", Date),
    ("modifyDate", Date),
    ("allowCancellationFlag", Flag),
    ("notes", Str),
    ("hostName", Str),
    ("domainName", Str),
    ("orderItemId", Int),
    ("recurringMonths", Int),
    ("serviceProviderId", Int),
    ("associatedBillingItemId", Str),
];

static TYPES: &[TypeDef] = &[
    TypeDef {
        name: ACCOUNT,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("companyName", Str),
            ("email", Str),
            ("firstName", Str),
            ("lastName", Str),
            ("createDate", Date),
            ("accountStatusId", Int),
            ("brandId", Int),
            ("country", Str),
        ],
        computed: &[],
        rels: &[
            many("virtualGuests", GUEST, Derived),
            many("hourlyVirtualGuests", GUEST, Derived),
            many("monthlyVirtualGuests", GUEST, Derived),
            many("hardware", HARDWARE, Derived),
            many("networkStorage", STORAGE, Derived),
            many("iscsiNetworkStorage", STORAGE, Derived),
            many("nasNetworkStorage", STORAGE, Derived),
            many("subnets", SUBNET, Derived),
            many("networkVlans", VLAN, Derived),
            many("globalIpRecords", GLOBAL_IP, Derived),
            many("adcLoadBalancers", ADC, Derived),
            many("dedicatedHosts", HOST, Derived),
            many("allTopLevelBillingItems", BILLING_ITEM, Derived),
        ],
    },
    TypeDef {
        name: USER,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("username", Str),
            ("accountId", Int),
            ("firstName", Str),
            ("lastName", Str),
            ("email", Str),
            ("displayName", Str),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: GUEST,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("hostname", Str),
            ("domain", Str),
            ("fullyQualifiedDomainName", Str),
            ("createDate", Date),
            ("modifyDate", Date),
            ("provisionDate", Date),
            ("notes", Str),
            ("maxCpu", Int),
            ("maxMemory", Int),
            ("startCpus", Int),
            ("globalIdentifier", Str),
            ("uuid", Str),
            ("accountId", Int),
            ("dedicatedAccountHostOnlyFlag", Bool),
            // Known to the API, not modelled: served only as a world file
            // writes them (slcli `vs list` / `vs detail` mask them).
            ("privateNetworkOnlyFlag", Bool),
            ("transientGuestFlag", Bool),
            ("postInstallScriptUri", Str),
            ("placementGroupId", Int),
        ],
        computed: &["fullyQualifiedDomainName"],
        rels: &[
            scalar("primaryIpAddress", Ip, Stored),
            scalar("primaryBackendIpAddress", Ip, Stored),
            scalar("hourlyBillingFlag", Bool, Stored),
            one("datacenter", LOCATION, Stored),
            one("status", "SoftLayer_Virtual_Guest_Status", Stored),
            one("powerState", "SoftLayer_Virtual_Guest_Power_State", Stored),
            many("tagReferences", TAG_REFERENCE, Stored),
            one("billingItem", BILLING_GUEST, Derived),
            many("networkVlans", VLAN, ById),
            one("dedicatedHost", HOST, ById),
            one(
                "activeTransaction",
                "SoftLayer_Provisioning_Version1_Transaction",
                Stored,
            ),
            scalar("activeTransactionCount", Int, Computed),
            one("openCancellationTicket", TICKET, Derived),
            scalar("blockCancelBecauseDisconnectedFlag", Bool, Stored),
            one(
                "operatingSystem",
                "SoftLayer_Software_Component_OperatingSystem",
                Stored,
            ),
            // Known to the API, not modelled: absent unless the world file
            // writes them (slcli list/detail commands mask them).
            one("deviceStatus", "SoftLayer_Device_Status", Stored),
            one(
                "lastKnownPowerState",
                "SoftLayer_Virtual_Guest_Power_State",
                Stored,
            ),
            one("lastTransaction", TRANSACTION, Stored),
            one("lastOperatingSystemReload", TRANSACTION, Stored),
            many(
                "networkComponents",
                "SoftLayer_Virtual_Guest_Network_Component",
                Stored,
            ),
            many(
                "blockDevices",
                "SoftLayer_Virtual_Guest_Block_Device",
                Stored,
            ),
            one(
                "blockDeviceTemplateGroup",
                "SoftLayer_Virtual_Guest_Block_Device_Template_Group",
                Stored,
            ),
            many("softwareComponents", "SoftLayer_Software_Component", Stored),
            many("userData", "SoftLayer_Virtual_Guest_Attribute", Stored),
            one(
                "monitoringServiceComponent",
                "SoftLayer_Network_Monitor_Version1_Query_Host_Stratum",
                Stored,
            ),
            many(
                "networkMonitors",
                "SoftLayer_Network_Monitor_Version1_Query_Host",
                Stored,
            ),
            one("bandwidthAllotmentDetail", BANDWIDTH_DETAIL, Stored),
            many("billingCycleBandwidthUsage", BANDWIDTH_USAGE, Stored),
        ],
    },
    TypeDef {
        name: HARDWARE,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("hostname", Str),
            ("domain", Str),
            ("fullyQualifiedDomainName", Str),
            ("provisionDate", Date),
            ("notes", Str),
            ("serialNumber", Str),
            ("globalIdentifier", Str),
            ("bareMetalInstanceFlag", Flag),
            ("hardwareStatusId", Int),
            ("accountId", Int),
            // Known to the API, not modelled (slcli `hw detail`).
            ("processorPhysicalCoreAmount", Int),
            ("memoryCapacity", Int),
            ("privateNetworkOnlyFlag", Bool),
        ],
        computed: &["fullyQualifiedDomainName"],
        rels: &[
            scalar("primaryIpAddress", Ip, Stored),
            scalar("primaryBackendIpAddress", Ip, Stored),
            scalar("hourlyBillingFlag", Bool, Stored),
            one("datacenter", LOCATION, Stored),
            one("hardwareStatus", "SoftLayer_Hardware_Status", Stored),
            many("tagReferences", TAG_REFERENCE, Stored),
            one("billingItem", BILLING_HARDWARE, Derived),
            many("networkVlans", VLAN, ById),
            one(
                "operatingSystem",
                "SoftLayer_Software_Component_OperatingSystem",
                Stored,
            ),
            // Known to the API, not modelled: absent unless the world file
            // writes them (slcli list/detail commands mask them).
            scalar("networkManagementIpAddress", Ip, Stored),
            many("userData", "SoftLayer_Hardware_Attribute", Stored),
            one("lastTransaction", TRANSACTION, Stored),
            one("hardwareChassis", "SoftLayer_Hardware_Chassis", Stored),
            many("networkComponents", "SoftLayer_Network_Component", Stored),
            many("activeComponents", HARDWARE_COMPONENT, Stored),
            many("hardDrives", HARDWARE_COMPONENT, Stored),
            many("softwareComponents", "SoftLayer_Software_Component", Stored),
            many(
                "remoteManagementAccounts",
                "SoftLayer_Hardware_Component_RemoteManagement_User",
                Stored,
            ),
            one(
                "monitoringServiceComponent",
                "SoftLayer_Network_Monitor_Version1_Query_Host_Stratum",
                Stored,
            ),
            many(
                "networkMonitors",
                "SoftLayer_Network_Monitor_Version1_Query_Host",
                Stored,
            ),
            one("bandwidthAllotmentDetail", BANDWIDTH_DETAIL, Stored),
        ],
    },
    TypeDef {
        name: HARDWARE_SERVER,
        parent: Some(HARDWARE),
        open: false,
        locals: &[],
        computed: &[],
        // Only servers have these: on `SoftLayer_Account::getHardware`
        // (which returns `SoftLayer_Hardware`) they need a cast,
        // `mask(SoftLayer_Hardware_Server)[activeTransaction]`.
        rels: &[
            one(
                "activeTransaction",
                "SoftLayer_Provisioning_Version1_Transaction",
                Stored,
            ),
            scalar("activeTransactionCount", Int, Computed),
            one("openCancellationTicket", TICKET, Derived),
            many("billingCycleBandwidthUsage", BANDWIDTH_USAGE, Stored),
        ],
    },
    TypeDef {
        name: ROUTER,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("hostname", Str),
            ("domain", Str),
            ("fullyQualifiedDomainName", Str),
        ],
        computed: &[],
        rels: &[one("datacenter", LOCATION, Stored)],
    },
    TypeDef {
        name: STORAGE,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("username", Str),
            ("nasType", Str),
            ("capacityGb", Int),
            ("createDate", Date),
            ("notes", Str),
            ("serviceResourceBackendIpAddress", Str),
            ("accountId", Int),
            ("lunId", Str),
            ("fileNetworkMountAddress", Str),
            ("storageTierLevel", Str),
            // Known to the API, not modelled.
            ("provisionedIops", Any),
        ],
        computed: &[],
        rels: &[
            one("storageType", "SoftLayer_Network_Storage_Type", Stored),
            one(
                "serviceResource",
                "SoftLayer_Network_Service_Resource",
                Stored,
            ),
            one("billingItem", BILLING_ITEM, Derived),
            scalar("activeTransactionCount", Int, Stored),
            // Known to the API, not modelled (slcli `block|file volume-list`).
            scalar("replicationPartnerCount", Int, Stored),
            scalar("bytesUsed", Any, Stored),
        ],
    },
    TypeDef {
        name: SUBNET,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("networkIdentifier", Ip),
            ("cidr", Int),
            ("subnetType", Str),
            ("version", Int),
            ("addressSpace", Str),
            ("gateway", Ip),
            ("broadcastAddress", Ip),
            ("netmask", Ip),
            ("note", Str),
            ("networkVlanId", Int),
            // Declared `decimal` by the API; the emulator fills in whole numbers.
            ("totalIpAddresses", Num),
            ("usableIpAddressCount", Num),
        ],
        computed: &[],
        rels: &[
            one("networkVlan", VLAN, ById),
            one("datacenter", LOCATION, Stored),
            many("tagReferences", TAG_REFERENCE, Stored),
            one("billingItem", BILLING_ITEM, Derived),
            many("virtualGuests", GUEST, Derived),
            many("hardware", HARDWARE, Derived),
            scalar("virtualGuestCount", Int, Computed),
            scalar("hardwareCount", Int, Computed),
            scalar("ipAddressCount", Int, Computed),
            one("globalIpRecord", GLOBAL_IP, Derived),
            // Known to the API, not modelled (slcli `subnet list`).
            one("endPointIpAddress", IP_ADDRESS, Stored),
            many("ipAddresses", IP_ADDRESS, Stored),
        ],
    },
    TypeDef {
        name: VLAN,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("vlanNumber", Int),
            ("name", Str),
            ("networkSpace", Str),
            ("fullyQualifiedName", Str),
            ("note", Str),
            ("modifyDate", Date),
        ],
        computed: &[],
        rels: &[
            one("primaryRouter", ROUTER, Stored),
            one("datacenter", LOCATION, Stored),
            one("type", "SoftLayer_Network_Vlan_Type", Stored),
            many("tagReferences", TAG_REFERENCE, Stored),
            one("billingItem", BILLING_ITEM, Derived),
            many("virtualGuests", GUEST, Derived),
            many("hardware", HARDWARE, Derived),
            many("subnets", SUBNET, Derived),
            scalar("virtualGuestCount", Int, Computed),
            scalar("hardwareCount", Int, Computed),
            scalar("subnetCount", Int, Computed),
            scalar("totalPrimaryIpAddressCount", Int, Computed),
            many(
                "firewallInterfaces",
                "SoftLayer_Network_Firewall_Module_Context_Interface",
                Stored,
            ),
            one(
                "networkVlanFirewall",
                "SoftLayer_Network_Vlan_Firewall",
                Stored,
            ),
            one(
                "attachedNetworkGateway",
                "SoftLayer_Network_Gateway",
                Stored,
            ),
            scalar("dedicatedFirewallFlag", Flag, Stored),
            // Known to the API, not modelled (slcli `vlan list`, `hw detail`).
            scalar("podName", Str, Stored),
            many("primarySubnets", SUBNET, Stored),
        ],
    },
    TypeDef {
        name: GLOBAL_IP,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            // The metadata declares it `int`; SLDN describes free text, so
            // either is accepted.
            ("description", Any),
            ("ipAddressId", Int),
            ("destinationIpAddressId", Int),
            ("typeId", Int),
        ],
        computed: &[],
        rels: &[
            one("ipAddress", IP_ADDRESS, Stored),
            one("destinationIpAddress", IP_ADDRESS, Stored),
            one("billingItem", BILLING_GLOBAL_IP, Derived),
        ],
    },
    TypeDef {
        name: IP_ADDRESS,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("ipAddress", Ip),
            ("subnetId", Int),
            ("note", Str),
            ("isBroadcast", Bool),
            ("isGateway", Bool),
            ("isNetwork", Bool),
            ("isReserved", Bool),
        ],
        computed: &[],
        rels: &[
            one("subnet", SUBNET, Derived),
            one("virtualGuest", GUEST, Derived),
            one("hardware", HARDWARE, Derived),
        ],
    },
    TypeDef {
        name: ADC,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("accountId", Int),
            ("notes", Str),
            ("dedicatedFlag", Bool),
            ("connectionLimit", Int),
            ("ipAddressId", Int),
        ],
        computed: &[],
        rels: &[
            one("ipAddress", IP_ADDRESS, Stored),
            one("billingItem", BILLING_ITEM, Derived),
            one("dedicatedBillingItem", BILLING_LOAD_BALANCER, Derived),
        ],
    },
    TypeDef {
        name: LBAAS,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("uuid", Str),
            ("name", Str),
            ("description", Str),
            ("address", Str),
            ("isPublic", Flag),
            ("type", Int),
            ("provisioningStatus", Str),
            ("operatingStatus", Str),
            ("createDate", Date),
            ("modifyDate", Date),
            ("accountId", Int),
            ("locationId", Int),
            ("useSystemPublicIpPool", Flag),
        ],
        computed: &[],
        rels: &[
            one("datacenter", LOCATION, Stored),
            many("listeners", "SoftLayer_Network_LBaaS_Listener", Stored),
            many("members", "SoftLayer_Network_LBaaS_Member", Stored),
            many(
                "healthMonitors",
                "SoftLayer_Network_LBaaS_HealthMonitor",
                Stored,
            ),
        ],
    },
    // The API's metadata had this type until 2024-06 (gone by 2025-08);
    // every property is a plain value but `dynamicContentAcceleration`.
    TypeDef {
        name: CDN_MAPPING,
        parent: None,
        open: false,
        locals: &[
            ("uniqueId", Str),
            ("domain", Str),
            ("cname", Str),
            ("akamaiCname", Str),
            ("status", Str),
            ("vendorName", Str),
            ("originHost", Str),
            ("originType", Str),
            ("header", Str),
            ("path", Str),
            ("protocol", Str),
            ("httpPort", Int),
            ("httpsPort", Int),
            ("bucketName", Str),
            ("fileExtension", Str),
            ("cacheKeyQueryRule", Str),
            ("certificateType", Str),
            ("performanceConfiguration", Str),
            ("respectHeaders", Bool),
            ("serveStale", Bool),
            ("httpsChallengeUrl", Str),
            ("httpsChallengeResponse", Str),
            ("httpsChallengeRedirectUrl", Str),
            ("createDate", Date),
            ("modifyDate", Date),
        ],
        computed: &[],
        rels: &[one("dynamicContentAcceleration", CDN_ACCELERATION, Stored)],
    },
    TypeDef {
        name: HOST,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("name", Str),
            ("createDate", Date),
            ("modifyDate", Date),
            ("notes", Str),
            ("cpuCount", Int),
            ("memoryCapacity", Int),
            ("diskCapacity", Int),
            ("accountId", Int),
        ],
        computed: &[],
        rels: &[
            one("datacenter", LOCATION, Stored),
            one("backendRouter", ROUTER, Stored),
            many("tagReferences", TAG_REFERENCE, Stored),
            one("billingItem", BILLING_HOST, Derived),
            many("guests", GUEST, Derived),
            scalar("guestCount", Int, Computed),
            one("allocationStatus", HOST_ALLOCATION, Computed),
        ],
    },
    TypeDef {
        name: HOST_ALLOCATION,
        parent: None,
        open: false,
        locals: &[
            ("cpuAllocated", Int),
            ("cpuAvailable", Int),
            ("cpuCount", Int),
            ("memoryAllocated", Int),
            ("memoryAvailable", Int),
            ("memoryCapacity", Int),
            ("diskAllocated", Int),
            ("diskAvailable", Int),
            ("diskCapacity", Int),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: BILLING_ITEM,
        parent: None,
        open: false,
        locals: BILLING_LOCALS,
        computed: &["parentId"],
        rels: &[
            scalar("hourlyFlag", Bool, Stored),
            many("children", BILLING_ITEM, Derived),
            many("activeChildren", BILLING_ITEM, Derived),
            one("parent", BILLING_ITEM, Derived),
            scalar("pendingCancellationFlag", Bool, Computed),
            one("activeCancellationItem", CANCEL_REQUEST_ITEM, Derived),
            many("cancellationRequests", CANCEL_REQUEST, Derived),
            one("location", LOCATION, Stored),
            one("category", PRODUCT_CATEGORY, Stored),
            one("item", "SoftLayer_Product_Item", Stored),
            one("orderItem", "SoftLayer_Billing_Order_Item", Stored),
            scalar("nextInvoiceTotalRecurringAmount", Num, Computed),
            // The children on the next invoice: the active ones.
            many("nextInvoiceChildren", BILLING_ITEM, Derived),
            // Known to the API, not modelled (slcli `vs detail`).
            one("package", "SoftLayer_Product_Package", Stored),
        ],
    },
    TypeDef {
        name: BILLING_GUEST,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[("resourceTableId", Int)],
        computed: &["resourceTableId"],
        rels: &[],
    },
    TypeDef {
        name: BILLING_HARDWARE,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[("resourceTableId", Int)],
        computed: &["resourceTableId"],
        rels: &[],
    },
    TypeDef {
        name: BILLING_HOST,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[("resourceTableId", Int)],
        computed: &["resourceTableId"],
        rels: &[],
    },
    TypeDef {
        name: BILLING_SUBNET,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[("resourceTableId", Int)],
        computed: &["resourceTableId"],
        rels: &[],
    },
    TypeDef {
        name: BILLING_GLOBAL_IP,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: BILLING_LOAD_BALANCER,
        parent: Some(BILLING_ITEM),
        open: false,
        locals: &[],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: CANCEL_REQUEST,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("accountId", Int),
            ("createDate", Date),
            ("modifyDate", Date),
            ("notes", Str),
            ("statusId", Int),
            ("ticketId", Int),
            ("billingCancelReasonId", Int),
        ],
        computed: &[],
        rels: &[
            many("items", CANCEL_REQUEST_ITEM, Stored),
            scalar("itemCount", Int, Computed),
            one("status", CANCEL_REQUEST_STATUS, Stored),
            one("ticket", TICKET, Derived),
            one("user", USER, Stored),
        ],
    },
    TypeDef {
        name: CANCEL_REQUEST_ITEM,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("billingItemId", Int),
            ("cancellationRequestId", Int),
            ("immediateCancellationFlag", Bool),
            ("scheduledCancellationDate", Date),
            ("serviceReclaimStatusCode", Str),
        ],
        computed: &[],
        rels: &[one("billingItem", BILLING_ITEM, Derived)],
    },
    TypeDef {
        name: CANCEL_REQUEST_STATUS,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("keyName", Str),
            ("name", Str),
            ("description", Str),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: TICKET,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("title", Str),
            ("statusId", Int),
            ("createDate", Date),
            ("modifyDate", Date),
            ("lastEditDate", Date),
            ("accountId", Int),
            ("assignedUserId", Int),
            ("serviceProviderResourceId", Str),
            ("subjectId", Int),
        ],
        computed: &[],
        rels: &[
            one("status", TICKET_STATUS, Stored),
            many("updates", TICKET_UPDATE, Stored),
            scalar("updateCount", Int, Computed),
            many("attachedHardware", HARDWARE, ById),
        ],
    },
    TypeDef {
        name: TICKET_STATUS,
        parent: None,
        open: false,
        locals: &[("id", Int), ("name", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: TICKET_UPDATE,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("entry", Str),
            ("createDate", Date),
            ("ticketId", Int),
            ("editorType", Str),
            ("editorId", Int),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: LOCATION,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("name", Str),
            ("longName", Str),
            ("statusId", Int),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: TAG_REFERENCE,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("tagId", Int),
            ("resourceTableId", Int),
            ("tagTypeId", Int),
            ("usrRecordId", Int),
            ("empRecordId", Int),
        ],
        computed: &[],
        rels: &[
            one("tag", "SoftLayer_Tag", Stored),
            one("tagType", "SoftLayer_Tag_Type", Stored),
        ],
    },
    TypeDef {
        name: "SoftLayer_Tag",
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("name", Str),
            ("accountId", Int),
            ("internal", Int),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Tag_Type",
        parent: None,
        open: false,
        locals: &[("keyName", Str), ("description", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Virtual_Guest_Status",
        parent: None,
        open: false,
        locals: &[("keyName", Str), ("name", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Virtual_Guest_Power_State",
        parent: None,
        open: false,
        locals: &[("keyName", Str), ("name", Str), ("description", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Hardware_Status",
        parent: None,
        open: false,
        locals: &[("id", Int), ("status", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: TRANSACTION,
        parent: None,
        open: false,
        locals: &[
            ("id", Int),
            ("createDate", Date),
            ("modifyDate", Date),
            ("elapsedSeconds", Int),
            ("guestId", Int),
            ("hardwareId", Int),
            ("statusChangeDate", Date),
        ],
        computed: &[],
        rels: &[
            one(
                "transactionStatus",
                "SoftLayer_Provisioning_Version1_Transaction_Status",
                Stored,
            ),
            one(
                "transactionGroup",
                "SoftLayer_Provisioning_Version1_Transaction_Group",
                Stored,
            ),
        ],
    },
    TypeDef {
        name: "SoftLayer_Provisioning_Version1_Transaction_Status",
        parent: None,
        open: false,
        locals: &[
            ("name", Str),
            ("friendlyName", Str),
            ("averageDuration", Any),
        ],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Network_Storage_Type",
        parent: None,
        open: false,
        locals: &[("id", Int), ("keyName", Str), ("description", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Network_Service_Resource",
        parent: None,
        open: false,
        locals: &[("id", Int), ("name", Str), ("backendIpAddress", Str)],
        computed: &[],
        rels: &[
            one("datacenter", LOCATION, Stored),
            one("type", "SoftLayer_Network_Service_Resource_Type", Stored),
        ],
    },
    TypeDef {
        name: "SoftLayer_Network_Service_Resource_Type",
        parent: None,
        open: false,
        locals: &[("type", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: "SoftLayer_Network_Vlan_Type",
        parent: None,
        open: false,
        locals: &[("id", Int), ("keyName", Str), ("name", Str)],
        computed: &[],
        rels: &[],
    },
    TypeDef {
        name: PRODUCT_CATEGORY,
        parent: None,
        open: false,
        locals: &[("id", Int), ("categoryCode", Str), ("name", Str)],
        computed: &[],
        rels: &[],
    },
    // Pass-through types: the emulator serves whatever the world file holds.
    open_type("SoftLayer_Software_Component_OperatingSystem"),
    open_type("SoftLayer_Product_Item"),
    open_type("SoftLayer_Billing_Order_Item"),
    open_type("SoftLayer_Network_LBaaS_Listener"),
    open_type("SoftLayer_Network_LBaaS_Member"),
    open_type("SoftLayer_Network_LBaaS_HealthMonitor"),
    open_type("SoftLayer_Network_Firewall_Module_Context_Interface"),
    open_type("SoftLayer_Network_Vlan_Firewall"),
    open_type("SoftLayer_Network_Gateway"),
    // Known to the API, not modelled: properties of these types are
    // accepted in masks and world files and served as written. A property
    // of a closed type that points at one of them is absent from results
    // unless the world file writes it.
    open_type("SoftLayer_Device_Status"),
    open_type("SoftLayer_Provisioning_Version1_Transaction_Group"),
    open_type("SoftLayer_Virtual_Guest_Network_Component"),
    open_type("SoftLayer_Virtual_Guest_Block_Device"),
    open_type("SoftLayer_Virtual_Guest_Block_Device_Template_Group"),
    open_type("SoftLayer_Software_Component"),
    open_type("SoftLayer_Virtual_Guest_Attribute"),
    open_type("SoftLayer_Hardware_Attribute"),
    open_type("SoftLayer_Network_Monitor_Version1_Query_Host_Stratum"),
    open_type("SoftLayer_Network_Monitor_Version1_Query_Host"),
    open_type(BANDWIDTH_DETAIL),
    open_type(BANDWIDTH_USAGE),
    open_type("SoftLayer_Hardware_Chassis"),
    open_type("SoftLayer_Network_Component"),
    open_type(HARDWARE_COMPONENT),
    open_type("SoftLayer_Hardware_Component_RemoteManagement_User"),
    open_type("SoftLayer_Product_Package"),
    open_type(POD),
    open_type(CDN_ACCELERATION),
];

const fn open_type(name: &'static str) -> TypeDef {
    TypeDef {
        name,
        parent: None,
        open: true,
        locals: &[],
        computed: &[],
        rels: &[],
    }
}

fn table() -> &'static HashMap<&'static str, &'static TypeDef> {
    static TABLE: OnceLock<HashMap<&'static str, &'static TypeDef>> = OnceLock::new();
    TABLE.get_or_init(|| TYPES.iter().map(|t| (t.name, t)).collect())
}

/// The datatype called `name`, if the emulator knows it.
pub(crate) fn type_def(name: &str) -> Option<&'static TypeDef> {
    table().get(name).copied()
}

/// The datatype called `name`; for names the table itself uses.
pub(crate) fn known(name: &str) -> &'static TypeDef {
    match type_def(name) {
        Some(t) => t,
        None => panic!("type table names unknown type {name}"),
    }
}

impl TypeDef {
    /// The property `name` on this type or one of its ancestors.
    pub(crate) fn prop(&self, name: &str) -> Option<PropDef> {
        let mut ty = Some(self);
        while let Some(t) = ty {
            if let Some((_, kind)) = t.locals.iter().find(|(n, _)| *n == name) {
                return Some(PropDef::Local(*kind, t.computed.contains(&name)));
            }
            if let Some(rel) = t.rels.iter().find(|r| r.name == name) {
                return Some(PropDef::Rel(rel));
            }
            ty = t.parent.map(known);
        }
        None
    }

    /// Every local property, ancestors first.
    pub(crate) fn all_locals(&self) -> Vec<&'static str> {
        let mut chain = Vec::new();
        let mut ty = Some(self);
        while let Some(t) = ty {
            chain.push(t);
            ty = t.parent.map(known);
        }
        chain
            .iter()
            .rev()
            .flat_map(|t| t.locals.iter().map(|(n, _)| *n))
            .collect()
    }

    /// Every property name (for did-you-mean suggestions).
    pub(crate) fn all_names(&self) -> Vec<&'static str> {
        let mut names = self.all_locals();
        let mut ty = Some(self);
        while let Some(t) = ty {
            names.extend(t.rels.iter().map(|r| r.name));
            ty = t.parent.map(known);
        }
        names
    }

    /// Whether an object of this type is also a `other` (same type or a
    /// descendant of it).
    pub(crate) fn is_a(&self, other: &str) -> bool {
        let mut ty = Some(self);
        while let Some(t) = ty {
            if t.name == other {
                return true;
            }
            ty = t.parent.map(known);
        }
        false
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a
/// likely typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every relation in the table points at a type the table defines.
    #[test]
    fn every_relation_target_is_defined() {
        for t in TYPES {
            for r in t.rels {
                if !matches!(r.card, Card::Scalar(_)) {
                    assert!(type_def(r.target).is_some(), "{}.{}", t.name, r.name);
                }
            }
            if let Some(p) = t.parent {
                assert!(type_def(p).is_some(), "{} parent {p}", t.name);
            }
        }
    }

    /// Subtypes inherit their parent's properties and keep their own.
    #[test]
    fn subtypes_inherit_properties() {
        let guest_item = known(names::BILLING_GUEST);
        assert!(guest_item.prop("recurringFee").is_some());
        assert!(guest_item.prop("resourceTableId").is_some());
        assert!(known(names::BILLING_ITEM).prop("resourceTableId").is_none());
        assert!(known(names::HARDWARE_SERVER).is_a(names::HARDWARE));
        assert!(!known(names::HARDWARE).is_a(names::HARDWARE_SERVER));
    }

    /// A typo close to a real property name gets a suggestion.
    #[test]
    fn suggests_close_names() {
        let names = known(names::GUEST).all_names();
        assert_eq!(did_you_mean("hostnme", &names), Some("hostname"));
        assert_eq!(did_you_mean("zzzzzzzzzz", &names), None);
    }
}

/// The emulator's table agrees with the API's own metadata.
#[cfg(test)]
mod metadata_agreement {
    use super::*;
    use crate::api_schema::CDN_TYPES;
    use crate::metadata;

    fn compatible(kind: ValueKind, scalar: &str) -> bool {
        match kind {
            Int => scalar == "int",
            Str | Ip => scalar == "string",
            Money => scalar == "decimal",
            Date => scalar == "dateTime",
            Bool => scalar == "boolean",
            Flag => matches!(scalar, "int" | "boolean"),
            Num => matches!(scalar, "decimal" | "int"),
            Any => true,
        }
    }

    /// Every type, property and relation the emulator knows exists in
    /// today's API, with the same shape: a local is a scalar of a matching
    /// type; a relation to objects is relational, a list exactly when the
    /// emulator holds many, and points at the emulator's target or a
    /// subtype of it; a scalar the emulator treats as relational (SLDN's
    /// classification, which the metadata does not carry) is a scalar
    /// there. The CDN Marketplace types (served when a world lists
    /// mappings) are checked the same way against the 2024-06 metadata, and
    /// to be absent from today's.
    #[test]
    fn type_table_agrees_with_metadata() {
        let mut problems = Vec::new();
        for t in TYPES {
            let removed = CDN_TYPES.contains(&t.name);
            let property = |ty: &str, name: &str| {
                if removed {
                    metadata::as_of_2024_06::property(ty, name)
                } else {
                    metadata::property(ty, name)
                }
            };
            if removed {
                assert!(!metadata::type_exists(t.name), "{} is removed", t.name);
                assert!(metadata::as_of_2024_06::type_exists(t.name), "{}", t.name);
            } else if !metadata::type_exists(t.name) {
                problems.push(format!("{}: not a type of today's API", t.name));
                continue;
            }
            if let Some(p) = t.parent
                && !metadata::is_a(t.name, p)
            {
                problems.push(format!("{}: parent {p} is not a base type of it", t.name));
            }
            for (name, kind) in t.locals {
                match property(t.name, name) {
                    None => problems.push(format!("{}.{name}: not in the metadata", t.name)),
                    Some(p) if p.relational || p.list || !compatible(*kind, p.type_name) => {
                        problems.push(format!("{}.{name}: local {kind:?}, metadata {p:?}", t.name));
                    }
                    Some(_) => {}
                }
            }
            for rel in t.rels {
                let Some(p) = property(t.name, rel.name) else {
                    problems.push(format!("{}.{}: not in the metadata", t.name, rel.name));
                    continue;
                };
                let agrees = match rel.card {
                    Card::Scalar(kind) => !p.relational && !p.list && compatible(kind, p.type_name),
                    Card::One | Card::Many => {
                        p.relational
                            && p.list == (rel.card == Card::Many)
                            && metadata::is_a(p.type_name, rel.target)
                    }
                };
                if !agrees {
                    problems.push(format!(
                        "{}.{}: emulator {:?} -> {}, metadata {p:?}",
                        t.name, rel.name, rel.card, rel.target
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

//! One SoftLayer API call, described the way the SDK's `client.call` takes it.

use serde_json::Value;

/// A SoftLayer API call: service, optional init id, method, positional
/// parameters, object mask and object filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Call<'a> {
    /// Full service name, e.g. `SoftLayer_Virtual_Guest`.
    pub service: &'a str,
    /// Init parameter (the id in the path), inserted as-is.
    pub id: Option<String>,
    /// Method name, e.g. `getObject`.
    pub method: &'a str,
    /// Positional parameters; any makes the call a POST.
    pub params: Vec<Value>,
    /// Object mask; wrapped in `mask[...]` unless it starts with `mask`, `[` or `filteredMask`.
    pub mask: Option<String>,
    /// Object filter, sent as JSON in the query string.
    pub filter: Option<Value>,
}

impl<'a> Call<'a> {
    /// A call of `method` on `service` without id, parameters, mask or filter.
    pub fn new(service: &'a str, method: &'a str) -> Self {
        Call {
            service,
            id: None,
            method,
            params: Vec::new(),
            mask: None,
            filter: None,
        }
    }

    /// Sets the init id (the object the method acts on).
    // By value so callers can pass numbers and strings alike (`.id(5)`).
    #[allow(clippy::needless_pass_by_value)]
    #[must_use]
    pub fn id(mut self, id: impl ToString) -> Self {
        self.id = Some(id.to_string());
        self
    }

    /// Sets the object mask.
    #[must_use]
    pub fn mask(mut self, mask: impl Into<String>) -> Self {
        self.mask = Some(mask.into());
        self
    }

    /// Sets the object filter.
    #[must_use]
    pub fn filter(mut self, filter: Value) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets the positional parameters.
    #[must_use]
    pub fn params(mut self, params: Vec<Value>) -> Self {
        self.params = params;
        self
    }

    /// `Service/id::method`, for messages.
    pub fn describe(&self) -> String {
        match &self.id {
            Some(id) => format!("{}/{id}::{}", self.service, self.method),
            None => format!("{}::{}", self.service, self.method),
        }
    }
}

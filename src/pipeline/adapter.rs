//! The client as the planner and applier see it: the narrow ports
//! `resolve::fetch::Api` and `apply::Writer`, implemented here at the
//! composition root so the client knows no domain and the engines stay
//! testable without HTTP.

use serde_json::Value;

use crate::apply::{WriteError, Writer};
use crate::plan::model::ApiCall;
use crate::resolve::fetch::{Api, Candidate, FetchError, ListRequest, Reader};
use crate::resolve::progress::ListProgress;
use crate::softlayer::{ApiError, Call, Client, Paging};

impl Api for Client {
    fn list(&self, request: &ListRequest<'_>) -> Result<Vec<Value>, FetchError> {
        Client::list(self, &list_call(request), request.root)
            .map_err(|e| FetchError::new(format!("{}::{}", request.service, request.method), e))
    }

    fn list_candidates(
        &self,
        request: &ListRequest<'_>,
        read: &Reader<'_>,
        progress: &dyn ListProgress,
    ) -> Result<Vec<Candidate>, FetchError> {
        let observe = |paging| match paging {
            Paging::Total(total) => progress.total(total),
            Paging::Read(objects) => progress.read(objects),
            Paging::Restart => progress.restart(),
        };
        Client::list_observed(
            self,
            &list_call(request),
            request.root,
            &|o| read(&o),
            &observe,
        )
        .map_err(|e| FetchError::new(format!("{}::{}", request.service, request.method), e))
    }

    fn object(&self, service: &str, id: u64, mask: &str) -> Result<Option<Value>, FetchError> {
        let call = Call::new(service, "getObject").id(id).mask(mask);
        match self.read(&call) {
            Ok(Value::Null) => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(FetchError::new(format!("{service}({id})::getObject"), e)),
        }
    }

    fn total(&self, request: &ListRequest<'_>) -> Result<Option<u64>, FetchError> {
        Client::count(self, &list_call(request), request.root)
            .map_err(|e| FetchError::new(format!("{}::{}", request.service, request.method), e))
    }

    fn page_size(&self) -> usize {
        self.settings().page_size as usize
    }
}

/// The masked, filtered list call of a request.
fn list_call<'a>(request: &ListRequest<'a>) -> Call<'a> {
    let call = Call::new(request.service, request.method).mask(request.mask);
    match &request.filter {
        Some(filter) => call.filter(filter.clone()),
        None => call,
    }
}

impl Writer for Client {
    fn write(&self, planned: &ApiCall) -> Result<Value, WriteError> {
        let mut call =
            Call::new(&planned.service, &planned.method).params(planned.parameters.clone());
        call.id.clone_from(&planned.id);
        let answer = Client::write(self, &call).map_err(|e| match e {
            // No answer after sending: the call may still take effect.
            ApiError::Ambiguous { status: None, .. } => WriteError::Unanswered(e.to_string()),
            // An answer that is a fault, garbage, or no connection at all:
            // a read settles whether it took effect.
            ApiError::Ambiguous { .. }
            | ApiError::Transport { .. }
            | ApiError::InvalidResponse { .. } => WriteError::Fault(e.to_string()),
            _ => WriteError::Refused(e.to_string()),
        })?;
        // deleteObject, cancelService and friends answer a boolean: false
        // means SoftLayer did not do it.
        match answer {
            Value::Bool(false) => Err(WriteError::Refused(format!(
                "{}::{} answered false",
                planned.service, planned.method
            ))),
            value => Ok(value),
        }
    }
}

//! How far a fetch has come, for a progress display: per kind, objects
//! read of the total the lists' first pages announced. The port hears each
//! list call's pages ([`ListProgress`]); a [`KindTally`] adds up a kind's
//! calls and tells the [`FetchObserver`].

use std::sync::{Mutex, PoisonError};

use crate::kinds::Kind;

/// Follows one list call's pages (see `Api::list_candidates`), from the
/// threads that read them.
pub trait ListProgress: Sync {
    /// The first page is in: the list holds `total` objects (`None`: the
    /// API did not say).
    fn total(&self, total: Option<u64>);
    /// A page of `objects` was read.
    fn read(&self, objects: u64);
    /// The list is read again from the start: forget its pages so far.
    fn restart(&self);
}

/// How far reading one kind has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// Objects the API returned so far, selected or not.
    pub read: u64,
    /// Objects announced so far: the totals of the lists whose first page
    /// is in (a list that gives no total counts what it has read).
    pub total: u64,
}

/// Follows a fetch (a progress display). Calls for one kind come one at a
/// time, in order; kinds are read in parallel.
pub trait FetchObserver: Sync {
    /// `kind` has come this far.
    fn reading(&self, kind: Kind, reading: Reading);
    /// Every object of `kind` has been read.
    fn finished(&self, kind: Kind);
}

/// Follows nothing.
#[derive(Debug, Clone, Copy)]
pub struct Unobserved;

impl FetchObserver for Unobserved {
    fn reading(&self, _: Kind, _: Reading) {}
    fn finished(&self, _: Kind) {}
}

/// Adds up the list calls (and lookups) of one kind for its observer.
pub(crate) struct KindTally<'o> {
    kind: Kind,
    observer: &'o dyn FetchObserver,
    reading: Mutex<Reading>,
}

impl<'o> KindTally<'o> {
    pub(crate) fn new(kind: Kind, observer: &'o dyn FetchObserver) -> KindTally<'o> {
        KindTally {
            kind,
            observer,
            reading: Mutex::new(Reading::default()),
        }
    }

    /// A tally for one more list call (or set of lookups) of this kind.
    pub(crate) fn listing(&self) -> ListingTally<'_, 'o> {
        ListingTally {
            kind: self,
            own: Mutex::new(Own::default()),
        }
    }

    pub(crate) fn finished(&self) {
        self.observer.finished(self.kind);
    }

    /// Changes the kind's reading by what `change` does to one listing's
    /// share, and tells the observer, all under the kind's lock so the
    /// observer hears the kind's readings in order.
    fn change(&self, own: &Mutex<Own>, change: impl FnOnce(&mut Own)) {
        let mut reading = self.reading.lock().unwrap_or_else(PoisonError::into_inner);
        let mut own = own.lock().unwrap_or_else(PoisonError::into_inner);
        let before = *own;
        change(&mut own);
        reading.read = (reading.read + own.read).saturating_sub(before.read);
        reading.total = (reading.total + own.total()).saturating_sub(before.total());
        self.observer.reading(self.kind, *reading);
    }
}

/// One list call's share of its kind's reading.
#[derive(Debug, Clone, Copy, Default)]
struct Own {
    read: u64,
    announced: Option<u64>,
}

impl Own {
    /// What this list adds to the kind's total: its announced total, or
    /// what it has read when it announced none (or more came than it said).
    fn total(self) -> u64 {
        self.announced.unwrap_or(0).max(self.read)
    }
}

/// A [`ListProgress`] that counts towards its kind.
pub(crate) struct ListingTally<'t, 'o> {
    kind: &'t KindTally<'o>,
    own: Mutex<Own>,
}

impl ListProgress for ListingTally<'_, '_> {
    fn total(&self, total: Option<u64>) {
        self.kind.change(&self.own, |own| own.announced = total);
    }

    fn read(&self, objects: u64) {
        self.kind.change(&self.own, |own| own.read += objects);
    }

    fn restart(&self) {
        self.kind.change(&self.own, |own| *own = Own::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what it hears.
    #[derive(Default)]
    struct Heard(Mutex<Vec<(Kind, Reading)>>);

    impl FetchObserver for Heard {
        fn reading(&self, kind: Kind, reading: Reading) {
            self.0.lock().unwrap().push((kind, reading));
        }
        fn finished(&self, _: Kind) {}
    }

    fn last(heard: &Heard) -> Reading {
        heard.0.lock().unwrap().last().unwrap().1
    }

    /// Two lists of a kind add up; one without a total counts what it read;
    /// a restart takes back what its list had counted.
    #[test]
    fn lists_of_a_kind_add_up() {
        let heard = Heard::default();
        let tally = KindTally::new(Kind::ALL[0], &heard);
        let (a, b) = (tally.listing(), tally.listing());
        a.total(Some(5));
        assert_eq!(last(&heard), Reading { read: 0, total: 5 });
        a.read(2);
        b.total(None);
        b.read(3);
        assert_eq!(last(&heard), Reading { read: 5, total: 8 });
        a.restart();
        assert_eq!(last(&heard), Reading { read: 3, total: 3 });
        a.total(Some(4));
        a.read(4);
        assert_eq!(last(&heard), Reading { read: 7, total: 7 });
    }
}

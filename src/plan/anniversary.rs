//! When an anniversary cancellation takes effect, and how dates are shown.
//!
//! SoftLayer bills in US Central time and writes its dates with a `-06:00`
//! offset; anniversary arithmetic is done there so that a plan, apply and
//! the emulator agree on the day.

use jiff::tz::{self, TimeZone};
use jiff::{Timestamp, ToSpan};

fn central() -> TimeZone {
    TimeZone::fixed(tz::offset(-6))
}

/// The anniversary an item cancelled at `now` leaves on: its next bill
/// date, moved forward month by month while it is not after `now`. The
/// API's `nextBillDate` can lag behind (a snapshot made before the bill
/// run, an account whose date was not yet moved on): the cancellation then
/// takes effect on the following anniversary, never on a past date.
pub fn next_anniversary(next_bill_date: Timestamp, now: Timestamp) -> Timestamp {
    let mut date = next_bill_date.to_zoned(central());
    // Bounded: a date a century old is data, not a reason to spin.
    for _ in 0..1200 {
        if date.timestamp() > now {
            break;
        }
        match date.checked_add(1.month()) {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    date.timestamp()
}

/// `2026-12-01`: the day in SoftLayer's billing time.
pub fn date_text(t: Timestamp) -> String {
    t.to_zoned(central()).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A future bill date is the anniversary; a past one moves on by whole months.
    #[test]
    fn past_bill_dates_move_to_the_next_anniversary() {
        let bill = ts("2026-12-01T00:00:00-06:00");
        assert_eq!(next_anniversary(bill, ts("2026-11-22T12:00:00Z")), bill);
        assert_eq!(
            date_text(next_anniversary(bill, ts("2026-12-05T12:00:00Z"))),
            "2027-01-01"
        );
        assert_eq!(
            date_text(next_anniversary(bill, ts("2027-03-15T00:00:00Z"))),
            "2027-04-01"
        );
        // The bill date itself has passed at that instant: the next one.
        assert_eq!(date_text(next_anniversary(bill, bill)), "2027-01-01");
    }
}

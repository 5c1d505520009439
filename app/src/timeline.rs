//! A task's signed timeline as a user reads it: each event that moved the task, who signed it,
//! when, and a one-line summary. Owns only the wording; the order and the set are the market's.

use amorph_core::events::{Event, SignedEvent};
use amorph_core::identity::PeerId;
use amorph_core::wire::EventId;

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineItem {
    pub id: EventId,
    pub kind: &'static str,
    pub author: PeerId,
    pub at_ms: u64,
    pub summary: String,
}

impl TimelineItem {
    pub fn of(event: &SignedEvent) -> Self {
        TimelineItem {
            id: event.id,
            kind: event.event.kind_name(),
            author: event.author(),
            at_ms: event.timestamp_ms(),
            summary: summary(&event.event),
        }
    }
}

fn quoted(text: &str) -> String {
    const SHOWN: usize = 80;
    if text.chars().count() > SHOWN {
        format!("“{}…”", text.chars().take(SHOWN).collect::<String>())
    } else {
        format!("“{text}”")
    }
}

fn summary(event: &Event) -> String {
    match event {
        Event::TaskPosted(t) => format!("posted with payment {}", t.payment),
        Event::TaskClaimed(c) => format!("claimed with stake {}", c.stake),
        Event::ResultSubmitted(s) => format!("submitted {}", quoted(&s.result)),
        Event::ResultAccepted(_) => "accepted the result".into(),
        Event::ResultRejected(r) => format!("rejected the result: {}", quoted(&r.reason)),
        Event::Bid(b) => format!("bid {} (eta {} s)", b.price, b.eta_ms / 1000),
        Event::Award(_) => "awarded a bid".into(),
        Event::Dispute(d) => format!("disputed the rejection: {}", quoted(&d.reason)),
        Event::JuryVote(v) => {
            if v.for_executor {
                "voted: the result stands".into()
            } else {
                "voted: the rejection stands".into()
            }
        }
        Event::Settle(_) => "signed the settlement receipt".into(),
        Event::Cancel(_) => "cancelled".into(),
        Event::Expire(_) => "marked it expired".into(),
        other => other.kind_name().into(),
    }
}

/// `HH:MM:SS` of a timestamp, in the browser's time zone.
pub fn clock(at_ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    format!("{:02}:{:02}:{:02}", date.get_hours(), date.get_minutes(), date.get_seconds())
}

//! Tab slots: several tabs of one browser must be different peers, each with its own identity and
//! IndexedDB database. A slot is a small number `N` held by a Web Lock `amorph-slot-N` for the
//! life of the page; the tab remembers its slot in sessionStorage so a reload gets it back.
//!
//! Owns the slot choice only. Never touches IndexedDB or the network. Without Web Locks every tab
//! uses slot 0 (then two tabs share an identity, which the relay resolves by replacing the older).

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const SESSION_KEY: &str = "amorph-slot";
/// How long a reloaded tab waits for its own slot's lock (its previous page may still hold it).
const RECLAIM_WAIT_MS: u32 = 2_000;
/// Slots tried, lowest first; a browser with more tabs than this shares the last one.
const MAX_SLOTS: u32 = 64;

/// Picks and locks this tab's slot. Never fails: falls back to slot 0.
pub async fn acquire() -> u32 {
    let Some(locks) = lock_manager() else {
        return 0;
    };
    let previous =
        session_storage().and_then(|s| s.get_item(SESSION_KEY).ok().flatten()).and_then(|v| v.parse::<u32>().ok());
    let mut chosen = None;
    if let Some(slot) = previous.filter(|s| *s < MAX_SLOTS) {
        if request_lock(&locks, slot, Wait::UpTo(RECLAIM_WAIT_MS)).await {
            chosen = Some(slot);
        }
    }
    if chosen.is_none() {
        for slot in 0..MAX_SLOTS {
            if request_lock(&locks, slot, Wait::No).await {
                chosen = Some(slot);
                break;
            }
        }
    }
    let slot = chosen.unwrap_or(MAX_SLOTS - 1);
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(SESSION_KEY, &slot.to_string());
    }
    slot
}

enum Wait {
    /// `ifAvailable: true`: granted now or not at all.
    No,
    /// Queue for the lock, give up (abort the request) after this many milliseconds.
    UpTo(u32),
}

/// Requests `amorph-slot-N`; once granted, the lock is held until the page goes away (the
/// callback returns a promise that never settles). Returns whether it was granted.
async fn request_lock(locks: &JsValue, slot: u32, wait: Wait) -> bool {
    let (granted_tx, granted_rx) = oneshot::channel::<bool>();
    let granted_tx = Rc::new(RefCell::new(Some(granted_tx)));
    let callback = {
        let granted_tx = granted_tx.clone();
        Closure::once_into_js(move |lock: JsValue| -> JsValue {
            let got_it = !lock.is_null() && !lock.is_undefined();
            // Nobody waiting any more (we gave up): release at once by returning.
            let waiting = granted_tx.borrow_mut().take().is_some_and(|tx| tx.send(got_it).is_ok());
            if got_it && waiting {
                Promise::new(&mut |_, _| {}).into()
            } else {
                JsValue::UNDEFINED
            }
        })
    };
    let options = Object::new();
    let abort = match wait {
        Wait::No => {
            let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
            None
        }
        Wait::UpTo(_) => {
            let controller = web_sys::AbortController::new().ok();
            if let Some(c) = &controller {
                let _ = Reflect::set(&options, &"signal".into(), &c.signal());
            }
            controller
        }
    };
    let Ok(request) = Reflect::get(locks, &"request".into()).and_then(|f| f.dyn_into::<Function>()) else {
        return false;
    };
    let name = JsValue::from_str(&format!("amorph-slot-{slot}"));
    let Ok(promise) = request.call3(locks, &name, &options, &callback) else {
        return false;
    };
    // An aborted or failed request rejects; nobody else needs to hear about it.
    if let Ok(promise) = promise.dyn_into::<Promise>() {
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        let _ = promise.catch(&ignore);
        ignore.forget();
    }
    match wait {
        Wait::No => granted_rx.await.unwrap_or(false),
        Wait::UpTo(ms) => {
            let timeout = gloo_timers::future::TimeoutFuture::new(ms);
            match select(granted_rx, timeout).await {
                Either::Left((granted, _)) => granted.unwrap_or(false),
                Either::Right(((), mut granted_rx)) => {
                    // Granted in the same instant the timer fired: keep it.
                    if let Ok(Some(true)) = granted_rx.try_recv() {
                        return true;
                    }
                    // Too late: withdraw the queued request so it can never be held later.
                    granted_tx.borrow_mut().take();
                    if let Some(c) = abort {
                        c.abort();
                    }
                    false
                }
            }
        }
    }
}

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

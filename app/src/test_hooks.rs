//! Test hooks for the browser tests: with `?test-hooks` in the URL (and only then), exposes
//! `window.amorphTest = { injectForged(): number, injectOverwrite(taskIdHex): number }`, which send
//! core's hostile sync messages on every open link without applying them locally.
//!
//! Owns nothing but the exposure. Never installed without the query parameter.

use std::rc::Rc;

use amorph_core::wire::EventId;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::swarm::SwarmRef;

const QUERY_FLAG: &str = "test-hooks";

pub fn requested() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let search = window.location().search().unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search).map(|p| p.has(QUERY_FLAG)).unwrap_or(false)
}

/// Installs `window.amorphTest` if the page was opened with `?test-hooks`.
pub fn install_if_requested(swarm: &SwarmRef) {
    if !requested() {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let hooks = Object::new();
    let weak = Rc::downgrade(swarm);
    let forged = Closure::<dyn Fn() -> u32>::new(move || {
        weak.upgrade().map(|s| s.borrow_mut().inject_forged() as u32).unwrap_or(0)
    });
    let weak = Rc::downgrade(swarm);
    let overwrite = Closure::<dyn Fn(JsValue) -> u32>::new(move |task: JsValue| {
        let Some(target) = task.as_string().and_then(|hex| EventId::from_hex(hex.trim())) else { return 0 };
        weak.upgrade().map(|s| s.borrow_mut().inject_overwrite(target) as u32).unwrap_or(0)
    });
    let _ = Reflect::set(&hooks, &"injectForged".into(), forged.as_ref());
    let _ = Reflect::set(&hooks, &"injectOverwrite".into(), overwrite.as_ref());
    // They live as long as the page.
    forged.forget();
    overwrite.forget();
    let _ = Reflect::set(&window, &"amorphTest".into(), &hooks);
}

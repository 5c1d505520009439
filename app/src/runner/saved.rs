//! The last finished run of this tab slot, kept in its IndexedDB database so that a reload shows
//! the answer and how every step ended. Only what the page showed is kept: no key, no request
//! bytes beyond the text the user typed and what left for each step.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use super::driver::Driver;
use super::{RunView, Runner};
use crate::storage::Storage;
use crate::ui_state::Ui;

const KEY_LAST_RUN: &str = "last-run";
/// A stored run larger than this is not ours (twelve steps of at most 256 KiB each are far less).
const MAX_STORED_BYTES: usize = 4 * 1024 * 1024;

/// Writes the finished run of `this` (best effort: a failure is shown, the run stays on screen).
pub(super) fn store(this: &Rc<RefCell<Driver>>) {
    let (ui, runner) = {
        let d = this.borrow();
        (d.ui, d.runner)
    };
    let Some(view) = runner.view.get_untracked() else { return };
    let Some(slot) = ui.slot.get_untracked() else { return };
    leptos::task::spawn_local(async move {
        let saved = async {
            let bytes = serde_json::to_vec(&view).map_err(|e| e.to_string())?;
            if bytes.len() > MAX_STORED_BYTES {
                return Err(format!("the run is {} bytes, too large to keep", bytes.len()));
            }
            let storage = Storage::open(slot).await.map_err(|e| e.to_string())?;
            storage.save(KEY_LAST_RUN, &bytes).await.map_err(|e| e.to_string())
        };
        match saved.await {
            Ok(()) => runner.kept.set(true),
            Err(why) => runner.problem.set(Some(format!("the finished run could not be kept for the next visit: {why}"))),
        }
    });
}

/// Shows the stored run once the tab knows its slot, unless a new plan came first.
pub(super) fn restore_when_ready(ui: Ui, runner: Runner) {
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(slot) = ui.slot.get() else { return false };
        leptos::task::spawn_local(async move {
            let Ok(storage) = Storage::open(slot).await else { return };
            let Ok(Some(bytes)) = storage.load(KEY_LAST_RUN).await else { return };
            if bytes.len() > MAX_STORED_BYTES {
                return;
            }
            match serde_json::from_slice::<RunView>(&bytes) {
                Ok(view) if runner.view.get_untracked().is_none() => {
                    runner.view.set(Some(RunView { restored: true, ..view }))
                }
                Ok(_) => {}
                Err(why) => runner.problem.set(Some(format!("the last run stored here is unreadable ({why})"))),
            }
        });
        true
    });
}

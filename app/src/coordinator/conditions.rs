//! Device conditions only the main thread can read: the battery (`navigator.getBattery`, absent
//! in workers) and the connection type. Watched, so the capability envelope follows them.

use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use amorph_core::router::Power;

use crate::ui_state::{Conditions, Ui};

/// Reads the conditions now and again whenever the battery or the connection reports a change.
pub fn watch(ui: Ui) {
    wasm_bindgen_futures::spawn_local(async move {
        let Some(window) = web_sys::window() else { return };
        let navigator: JsValue = window.navigator().into();
        let battery = battery(&navigator).await;
        let read = {
            let (battery, navigator) = (battery.clone(), navigator.clone());
            move || ui.conditions.set(read_conditions(battery.as_ref(), &navigator))
        };
        read();
        let on_change = Closure::<dyn Fn()>::new(read);
        for (target, event) in [
            (battery.clone(), "chargingchange"),
            (battery.clone(), "levelchange"),
            (Some(get(&navigator, "connection")).filter(|c| c.is_object()), "change"),
        ] {
            if let Some(target) = target {
                let listen: Option<Function> = get(&target, "addEventListener").dyn_into().ok();
                if let Some(listen) = listen {
                    let _ = listen.call2(&target, &event.into(), on_change.as_ref());
                }
            }
        }
        // Listens for the page's life.
        on_change.forget();
    });
}

async fn battery(navigator: &JsValue) -> Option<JsValue> {
    let get_battery: Function = get(navigator, "getBattery").dyn_into().ok()?;
    let promise: Promise = get_battery.call0(navigator).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok().filter(JsValue::is_object)
}

fn read_conditions(battery: Option<&JsValue>, navigator: &JsValue) -> Conditions {
    let (power, battery_percent) = match battery {
        Some(battery) => {
            let charging = get(battery, "charging").as_bool().unwrap_or(true);
            let level = get(battery, "level").as_f64().map(|l| (l.clamp(0.0, 1.0) * 100.0).round() as u8);
            (if charging { Power::Charging } else { Power::OnBattery }, level)
        }
        None => (Power::Unknown, None),
    };
    let connection = get(&get(navigator, "connection"), "effectiveType").as_string();
    Conditions { power, battery_percent, connection }
}

fn get(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

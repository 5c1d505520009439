//! amorph-app entry point: mounts the root component. Everything else lives in `app` and below.

mod app;
mod clipboard;
mod cloud;
mod components;
mod coordinator;
mod genesis;
mod invitation;
mod relay_client;
mod rtc;
mod runner;
mod storage;
mod swarm;
mod tab_slot;
mod test_hooks;
mod timeline;
mod ui_state;
mod vault;
mod worker_client;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

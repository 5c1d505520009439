//! Export and import of this tab slot's identity: a passphrase-encrypted backup file
//! (`vault::identity_backup`). Import checks the file and passphrase first, shows which did:key it
//! holds, and replaces this slot's identity only once the user confirms; the page then reloads.

use amorph_core::identity::{Identity, PeerId};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlInputElement, Url};

use crate::components::vault_lock::check_new_passphrase;
use crate::ui_state::Ui;
use crate::vault::identity_backup::{Backup, MAX_FILE_BYTES};
use crate::vault::Vault;

type Note = RwSignal<Option<Result<String, String>>>;

#[component]
pub fn IdentityBackup() -> impl IntoView {
    view! {
        <details class="identity-backup" data-testid="identity-backup">
            <summary>"Back up or restore this identity"</summary>
            <ExportForm />
            <ImportForm />
        </details>
    }
}

#[component]
fn ExportForm() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let passphrase = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let note: Note = RwSignal::new(None);
    let export = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (typed, again) = (passphrase.get_untracked(), repeat.get_untracked());
        if let Err(problem) = check_new_passphrase(&typed, &again) {
            note.set(Some(Err(problem)));
            return;
        }
        let Some(slot) = ui.slot.get_untracked() else { return };
        busy.set(true);
        note.set(Some(Ok("Encrypting (600,000 PBKDF2 rounds)…".into())));
        leptos::task::spawn_local(async move {
            let outcome = export_file(slot, &typed).await;
            if outcome.is_ok() {
                passphrase.set(String::new());
                repeat.set(String::new());
            }
            note.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <form class="backup-export" on:submit=export>
            <h3>"Export"</h3>
            <label class="field">
                <span>"Passphrase for the file"</span>
                <input type="password" autocomplete="new-password" data-testid="identity-export-passphrase"
                    prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
            </label>
            <label class="field">
                <span>"The same passphrase again"</span>
                <input type="password" autocomplete="new-password" data-testid="identity-export-repeat"
                    prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev)) />
            </label>
            <button type="submit" data-testid="identity-export" disabled=move || busy.get()>"Export backup file"</button>
            <NoteLine note=note testid="identity-export-note" />
        </form>
    }
}

async fn export_file(slot: u32, passphrase: &str) -> Result<String, String> {
    let vault = Vault::open().await.map_err(|e| e.to_string())?;
    let seed = vault
        .open_seed(slot)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("this tab's identity is temporary (not stored), so there is nothing to back up")?;
    let backup = Backup::seal(&seed, passphrase).await.map_err(|e| e.to_string())?;
    let short = Identity::from_seed(seed).peer_id().short();
    let file_name = format!("amorph-identity-{short}.json");
    download(&file_name, &backup.to_json()).map_err(|_| "the browser refused the download".to_string())?;
    Ok(format!("Saved {file_name}. Keep it and its passphrase: together they are this identity."))
}

fn download(file_name: &str, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let parts = js_sys::Array::of1(&text.into());
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    Url::revoke_object_url(&url)
}

#[component]
fn ImportForm() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let note: Note = RwSignal::new(None);
    // The checked seed and its did, waiting for the user's confirmation.
    let pending = RwSignal::new(None::<([u8; 32], PeerId)>);
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(None);
        let Some(input) = file_input.get_untracked() else { return };
        let typed = passphrase.get_untracked();
        busy.set(true);
        note.set(Some(Ok("Checking the file and passphrase…".into())));
        leptos::task::spawn_local(async move {
            match read_backup(&input, &typed).await {
                Ok((seed, did)) => {
                    note.set(None);
                    pending.set(Some((seed, did)));
                }
                Err(problem) => note.set(Some(Err(problem))),
            }
            busy.set(false);
        });
    };
    let replace = move |_| {
        let (Some((seed, _)), Some(slot)) = (pending.get_untracked(), ui.slot.get_untracked()) else { return };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let sealed = match Vault::open().await {
                Ok(vault) => vault.seal_seed(slot, &seed).await,
                Err(e) => Err(e),
            };
            match sealed {
                Ok(()) => {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }
                Err(e) => {
                    pending.set(None);
                    note.set(Some(Err(format!("{e}; your identity was not changed"))));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="backup-import" on:submit=check>
            <h3>"Import"</h3>
            <label class="field">
                <span>"Backup file (.json)"</span>
                <input type="file" accept=".json,application/json" data-testid="identity-import-file" node_ref=file_input />
            </label>
            <label class="field">
                <span>"Its passphrase"</span>
                <input type="password" autocomplete="current-password" data-testid="identity-import-passphrase"
                    prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
            </label>
            <button type="submit" class="secondary" data-testid="identity-import" disabled=move || busy.get()>"Import backup file"</button>
            <NoteLine note=note testid="identity-import-note" />
            {move || pending.get().map(|(_, did)| {
                let current = ui.me.get().map(|me| me.to_did()).unwrap_or_default();
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="import-confirm-text" data-testid="identity-import-confirm">
                        <p id="import-confirm-text">
                            "This replaces this tab's identity " <code>{current}</code> " with " <code data-testid="identity-import-did">{did.to_did()}</code>
                            " from the file, then reloads the page. The current identity is lost unless you exported it."
                        </p>
                        <button type="button" data-testid="identity-import-replace" on:click=replace disabled=move || busy.get()>"Replace and reload"</button>
                        <button type="button" class="secondary" data-testid="identity-import-cancel" on:click=move |_| pending.set(None)>"Cancel"</button>
                    </div>
                }
            })}
        </form>
    }
}

/// The chosen file's seed and did, once its size, format and passphrase check out.
async fn read_backup(input: &HtmlInputElement, passphrase: &str) -> Result<([u8; 32], PeerId), String> {
    let file = input.files().and_then(|files| files.get(0)).ok_or("choose the backup file first")?;
    if file.size() > MAX_FILE_BYTES as f64 {
        return Err(crate::vault::identity_backup::BackupError::TooLarge.to_string());
    }
    let text = JsFuture::from(file.text()).await.map_err(|_| "the browser could not read that file".to_string())?;
    let text = text.as_string().unwrap_or_default();
    let backup = Backup::parse(&text).map_err(|e| e.to_string())?;
    let seed = backup.open(passphrase).await.map_err(|e| e.to_string())?;
    Ok((seed, Identity::from_seed(seed).peer_id()))
}

#[component]
pub fn NoteLine(note: Note, testid: &'static str) -> impl IntoView {
    view! {
        <p class="small" aria-live="polite" data-testid=testid
            data-ok=move || note.get().map(|n| n.is_ok().to_string()).unwrap_or_default()>
            {move || match note.get() {
                Some(Ok(text)) | Some(Err(text)) => text,
                None => String::new(),
            }}
        </p>
    }
}

//! A labelled form field: the label text above its control, full width when `wide`.

use leptos::prelude::*;

#[component]
pub fn Field(label: &'static str, #[prop(optional)] wide: bool, children: Children) -> impl IntoView {
    view! {
        <label class=if wide { "field wide" } else { "field" }>
            <span>{label}</span>
            {children()}
        </label>
    }
}

//! The post form: title, description, domain and reward of a new task; shows core's refusal inline.

use amorph_core::events::{Event, TaskPosted};
use leptos::prelude::*;

use crate::app::Actions;
use crate::swarm::now_ms;

/// Tasks posted from the form are open for a week.
const DEFAULT_DEADLINE_MS: u64 = 7 * 24 * 3600 * 1000;

#[component]
pub fn TaskForm() -> impl IntoView {
    let actions = expect_context::<Actions>();
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let domain = RwSignal::new(String::from("general"));
    let reward = RwSignal::new(String::from("10"));
    let error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reward_value = match reward.get_untracked().trim().parse::<u64>() {
            Ok(value) => value,
            Err(_) => {
                error.set(Some("Reward must be a whole number, 0 or more.".into()));
                return;
            }
        };
        let event = Event::TaskPosted(TaskPosted::simple(
            title.get_untracked().trim(),
            description.get_untracked().trim(),
            domain.get_untracked().trim(),
            reward_value,
            now_ms() + DEFAULT_DEADLINE_MS,
        ));
        match actions.publish(event) {
            Ok(_) => {
                error.set(None);
                title.set(String::new());
                description.set(String::new());
            }
            Err(message) => error.set(Some(format!("Could not post: {message}"))),
        }
    };

    view! {
        <form class="task-form" on:submit=submit aria-labelledby="post-heading">
            <h3 id="post-heading">"Post a task"</h3>
            <label class="field wide">
                <span>"Title"</span>
                <input
                    data-testid="task-title"
                    type="text"
                    maxlength="120"
                    placeholder="What needs doing?"
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
            </label>
            <label class="field wide">
                <span>"Description"</span>
                <textarea
                    data-testid="task-description"
                    rows="3"
                    maxlength="2000"
                    placeholder="Details a worker needs"
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                ></textarea>
            </label>
            <label class="field">
                <span>"Domain"</span>
                <input
                    data-testid="task-domain"
                    type="text"
                    maxlength="32"
                    placeholder="e.g. translation"
                    autocapitalize="none"
                    spellcheck="false"
                    prop:value=move || domain.get()
                    on:input=move |ev| domain.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                <span>"Reward"</span>
                <input
                    data-testid="task-reward"
                    type="number"
                    min="0"
                    step="1"
                    inputmode="numeric"
                    prop:value=move || reward.get()
                    on:input=move |ev| reward.set(event_target_value(&ev))
                />
            </label>
            <div class="form-actions wide">
                <button type="submit" class="primary" data-testid="post-task">"Post task"</button>
            </div>
            {move || {
                error.get().map(|message| view! { <p class="error wide" role="alert" data-testid="post-error">{message}</p> })
            }}
        </form>
    }
}

//! Plan a request: the text is split into subtasks, each read (kind, sensitivity) and routed;
//! every subtask shows where it would go and why before anything is sent.

use amorph_core::router::{dollars, Executor, Step};
use leptos::prelude::*;

use crate::app::Actions;
use crate::coordinator::{Coordinator, Planned};

#[component]
pub fn Planner() -> impl IntoView {
    let coordinator = expect_context::<Coordinator>();
    let actions = expect_context::<Actions>();
    let request = RwSignal::new(String::new());
    let planned = RwSignal::new(None::<Result<Planned, String>>);
    let planning = RwSignal::new(false);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        planning.set(true);
        let text = request.get_untracked();
        leptos::task::spawn_local(async move {
            let result = coordinator.plan(text, actions).await;
            planned.set(Some(result));
            planning.set(false);
        });
    };
    view! {
        <section class="card planner-card wide" aria-labelledby="planner-heading" data-testid="planner">
            <h2 id="planner-heading">"Plan a request"</h2>
            <form on:submit=run>
                <label class="field wide">
                    <span>"What do you need done? One task per line or list item."</span>
                    <textarea
                        rows="4"
                        data-testid="plan-request"
                        prop:value=move || request.get()
                        on:input=move |ev| request.set(event_target_value(&ev))
                        placeholder="1. Summarize the attached report\n2. Translate the summary into German\n3. Take a photo of the shop front on Main Street"
                    ></textarea>
                </label>
                <button type="submit" disabled=move || planning.get() data-testid="plan-submit">
                    {move || if planning.get() { "Planning…" } else { "Plan" }}
                </button>
            </form>
            {move || match planned.get() {
                None => None,
                Some(Err(why)) => Some(view! { <p class="error small" role="alert" data-testid="plan-error">{why}</p> }.into_any()),
                Some(Ok(plan)) => Some(view! {
                    <p class="small muted" data-testid="plan-reader">{format!("Kinds read by {}. Nothing has been sent.", plan.reader)}</p>
                    <ol class="plan" data-testid="plan-steps">
                        {plan.steps.into_iter().map(step_view).collect_view()}
                    </ol>
                }.into_any()),
            }}
        </section>
    }
}

fn step_view(step: Step) -> impl IntoView {
    let (to, target) = match &step.route.executor {
        Executor::ThisDevice { model } => ("local", format!("This device ({model})")),
        Executor::Cloud { model, provider } => ("cloud", format!("{model} ({})", provider.label())),
        Executor::Peer { label, .. } => ("peer", format!("Peer {label}")),
        Executor::HumanBoard => ("board", "Human workers (task board)".to_string()),
    };
    let cost = match (step.route.cost_micros, step.route.credits) {
        (0, 0) => "free".to_string(),
        (micros, 0) => format!("about {}", dollars(micros)),
        (_, credits) => format!("{credits} credits"),
    };
    view! {
        <li class="plan-step" data-testid="plan-step" data-route=to data-kind=step.subtask.kind.kind.name() data-class=step.subtask.sensitivity.class.name()>
            <p class="step-text">{step.subtask.text}</p>
            <dl class="facts">
                <div><dt>"Kind"</dt><dd data-testid="step-kind">{step.subtask.kind.reason}</dd></div>
                <div><dt>"Data"</dt><dd data-testid="step-class">{format!("{}: {}", step.subtask.sensitivity.class.label(), step.subtask.sensitivity.reason)}</dd></div>
                <div><dt>"Goes to"</dt><dd data-testid="step-target">{target}" · "{cost}</dd></div>
                <div><dt>"Why"</dt><dd data-testid="step-reason">{step.route.reason}</dd></div>
            </dl>
        </li>
    }
}

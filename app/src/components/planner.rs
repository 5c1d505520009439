//! Plan a request, then run it: the text is split into subtasks, each read (kind, sensitivity) and
//! routed; every subtask shows where it would go and why before anything is sent, and once the
//! user presses Run, how its work goes, step by step, until the answer is assembled.

use amorph_core::router::{dollars, Executor, Step};
use amorph_core::run::StepId;
use leptos::prelude::*;

use crate::app::Actions;
use crate::components::run_answer::RunAnswer;
use crate::components::run_step::RunStep;
use crate::coordinator::Coordinator;
use crate::runner::Runner;

#[component]
pub fn Planner() -> impl IntoView {
    let coordinator = expect_context::<Coordinator>();
    let actions = expect_context::<Actions>();
    let runner = Runner::new(expect_context(), coordinator, actions);
    let request = RwSignal::new(String::new());
    let reader = RwSignal::new(None::<Result<String, String>>);
    let planning = RwSignal::new(false);
    // The list is drawn again only when the plan changes, not on every streamed token.
    let started = Memo::new(move |_| runner.view.with(|v| v.as_ref().is_some_and(|v| v.started)));
    let shape = Memo::new(move |_| runner.view.with(|v| v.as_ref().map(|v| (v.plan.clone(), v.restored))));
    let plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        planning.set(true);
        let text = request.get_untracked();
        leptos::task::spawn_local(async move {
            match coordinator.plan(text.clone(), actions).await {
                Ok(planned) => {
                    runner.prepare(text, planned.steps, planned.rules_alone);
                    reader.set(Some(Ok(planned.reader)));
                }
                Err(why) => reader.set(Some(Err(why))),
            }
            planning.set(false);
        });
    };
    view! {
        <section class="card planner-card wide" aria-labelledby="planner-heading" data-testid="planner">
            <h2 id="planner-heading">"Plan and run a request"</h2>
            <form on:submit=plan>
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
            {move || match reader.get() {
                Some(Err(why)) => Some(view! { <p class="error small" role="alert" data-testid="plan-error">{why}</p> }.into_any()),
                Some(Ok(read_by)) => Some(view! {
                    <p class="small muted" data-testid="plan-reader">
                        {move || {
                            let sent = started.get();
                            format!("Kinds read by {read_by}. {}", if sent { "Running: see each step." } else { "Nothing has been sent." })
                        }}
                    </p>
                }.into_any()),
                None => None,
            }}
            {move || runner.problem.get().map(|why| view! { <p class="error small" role="alert" data-testid="run-problem">{why}</p> })}
            {move || shape.get().map(|(plan, restored)| view! {
                {restored.then(|| view! { <p class="small muted" data-testid="run-restored">"The last run of this tab, as it ended."</p> })}
                <ol class="plan" data-testid="plan-steps">
                    {plan.into_iter().enumerate().map(|(i, step)| step_view(StepId(i as u32), step, runner)).collect_view()}
                </ol>
                <RunAnswer runner=runner />
            })}
        </section>
    }
}

fn step_view(id: StepId, step: Step, runner: Runner) -> impl IntoView {
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
    let cloud = matches!(step.route.executor, Executor::Cloud { .. });
    let pays = matches!(step.route.executor, Executor::HumanBoard).then_some(step.route.credits);
    view! {
        <li class="plan-step" data-testid="plan-step" data-route=to data-kind=step.subtask.kind.kind.name() data-class=step.subtask.sensitivity.class.name()>
            <p class="step-text">{step.subtask.text}</p>
            <dl class="facts">
                <div><dt>"Kind"</dt><dd data-testid="step-kind">{step.subtask.kind.reason}</dd></div>
                <div><dt>"Data"</dt><dd data-testid="step-class">{format!("{}: {}", step.subtask.sensitivity.class.label(), step.subtask.sensitivity.reason)}</dd></div>
                <div><dt>"Goes to"</dt><dd data-testid="step-target">{target}" · "{cost}</dd></div>
                <div><dt>"Why"</dt><dd data-testid="step-reason">{step.route.reason}</dd></div>
            </dl>
            <RunStep runner=runner id=id cloud=cloud pays=pays />
        </li>
    }
}

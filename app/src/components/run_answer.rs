//! The run as a whole: Run and Cancel, the confirmation before the first send to a provider, what
//! has been spent of the budget, and the final answer, each part labelled with who produced it
//! and every missing part saying why.

use amorph_core::router::dollars;
use amorph_core::run::PartOutcome;
use leptos::prelude::*;

use crate::runner::Runner;

#[component]
pub fn RunAnswer(runner: Runner) -> impl IntoView {
    // Memos, so that a streamed token redraws only the step it belongs to, not these controls.
    let live = Memo::new(move |_| runner.view.with(|v| v.as_ref().is_some_and(|v| !v.restored)));
    let finished = Memo::new(move |_| runner.view.with(|v| v.as_ref().is_some_and(|v| v.started && v.finished)));
    let running = Memo::new(move |_| runner.view.with(|v| v.as_ref().is_some_and(|v| v.started && !v.finished)));
    let confirming = Memo::new(move |_| {
        runner.view.with(|v| v.as_ref().map(|v| (v.to_confirm.clone(), v.rules_alone)).unwrap_or_default())
    });
    let spent = Memo::new(move |_| {
        runner.view.with(|v| v.as_ref().filter(|v| v.started).map(|v| (v.spent_micros, v.budget_micros)))
    });
    let answer = Memo::new(move |_| runner.view.with(|v| v.as_ref().and_then(|v| v.answer.clone())));
    view! {
        <div class="run-controls">
            {move || (live.get() && !running.get() && !finished.get()).then(|| view! {
                <button type="button" data-testid="run-start" on:click=move |_| runner.start()>"Run"</button>
            })}
            {move || running.get().then(|| view! {
                <button type="button" class="secondary" data-testid="run-cancel" on:click=move |_| runner.cancel()>"Cancel"</button>
            })}
            {move || (runner.kept.get() && live.get()).then(|| view! {
                <span class="small muted" data-testid="run-kept">"Kept for your next visit."</span>
            })}
            <span class="small muted" data-testid="run-spent">
                {move || spent.get().map(|(spent, budget)| format!("Spent {} of {}.", dollars(spent), dollars(budget)))}
            </span>
        </div>
        {move || {
            let (providers, rules_alone) = confirming.get();
            (!providers.is_empty() || rules_alone).then(|| {
                let names = providers.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ");
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby="confirm-send" data-testid="run-confirm">
                        {(!providers.is_empty()).then(|| view! {
                            <p id="confirm-send">
                                {format!("This is the first time this device sends work to {names}. Each cloud step below shows exactly the text that will leave. Send it?")}
                            </p>
                        })}
                        {rules_alone.then(|| view! {
                            <p data-testid="run-confirm-rules">
                                "The coordinator model was not loaded when this plan was made, so only the keyword rules checked what is private: a private text they missed would leave. Load the model (Coordinator model) and plan again to have it read too, or send anyway."
                            </p>
                        })}
                        <button type="button" data-testid="run-confirm-send" on:click=move |_| runner.confirm()>"Send"</button>
                        <button type="button" class="secondary" data-testid="run-confirm-cancel" on:click=move |_| runner.decline()>"Don't send"</button>
                    </div>
                }
            })
        }}
        {move || answer.get().map(|answer| {
            let complete = answer.is_complete().to_string();
            view! {
            <section class="answer" aria-labelledby="answer-heading" data-testid="run-answer" data-complete=complete>
                <h3 id="answer-heading">"Answer"</h3>
                {answer.parts.into_iter().map(|part| {
                    let (produced, text) = match part.outcome {
                        PartOutcome::Produced(text) => (true, text),
                        PartOutcome::Missing(why) => (false, why),
                    };
                    view! {
                        <div class="answer-part" data-testid="answer-part" data-step=part.step.0 data-produced=produced.to_string()>
                            <p class="small muted" data-testid="answer-by">{format!("{}, by {}", part.step, part.label)}</p>
                            {if produced {
                                view! { <pre data-testid="answer-text">{text}</pre> }.into_any()
                            } else {
                                view! { <p class="muted" data-testid="answer-text">{format!("Not produced: {text}.")}</p> }.into_any()
                            }}
                        </div>
                    }
                }).collect_view()}
            </section>
            }
        })}
    }
}

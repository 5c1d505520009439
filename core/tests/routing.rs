//! The router: each rule of its decisions on chosen cases, then the labelled set with the keyword
//! rules (the reading used while the model is absent). The model's reading of the same set is
//! tested in worker/tests/routing_with_model.rs.

#[path = "support/heldout_set.rs"]
mod heldout_set;
#[path = "support/routing_set.rs"]
mod routing_set;

use amorph_core::router::{
    classify_by_rules, plan, route, Context, Executor, OwnerPolicy, PeerCandidate, Provider, Registry, Route,
    Sensitivity, Spent, Subtask, DEFAULT_BOARD_CREDITS, ENVELOPE_FRESH_MS,
};
use routing_set::{candidate, KEYS, NOW_MS};

#[test]
fn the_labelled_set_is_large_and_covers_every_kind_and_class() {
    let set = routing_set::load();
    assert!(set.len() >= 60, "{} labelled tasks", set.len());
    for kind in amorph_core::router::TaskKind::ALL {
        assert!(set.iter().filter(|t| t.kind == kind).count() >= 5, "{kind:?} has fewer than 5 tasks");
    }
    for class in amorph_core::router::Sensitivity::ALL {
        assert!(set.iter().filter(|t| t.class == class).count() >= 5, "{class:?} has fewer than 5 tasks");
    }
}

#[test]
fn rules_alone_route_the_labelled_set_without_a_privacy_violation() {
    let report = routing_set::evaluate(classify_by_rules);
    println!("{}", report.line("rules"));
    for miss in &report.misses {
        println!("miss: {miss}");
    }
    assert!(report.privacy_violations.is_empty(), "{:#?}", report.privacy_violations);
    // The rules alone read every class of the labelled set right.
    assert_eq!(report.classes_right, report.total);
}

#[test]
fn the_held_out_set_is_large_and_covers_every_kind_and_class() {
    let set = heldout_set::load();
    assert!(set.len() >= 100, "{} held-out tasks", set.len());
    for kind in amorph_core::router::TaskKind::ALL {
        assert!(set.iter().any(|t| t.kind == kind), "{kind:?} has no held-out task");
    }
    for class in Sensitivity::ALL {
        assert!(set.iter().filter(|t| t.class == class).count() >= 10, "{class:?} has fewer than 10 held-out tasks");
    }
    // The rules alone, for the record (worker/tests/heldout_with_model.rs compares them with the
    // model's reading and holds both to their privacy figures).
    let report = heldout_set::evaluate(|text| Subtask::read(text, classify_by_rules));
    println!("{}", report.line("rules"));
    for miss in &report.private_to_cloud {
        println!("private to cloud: {miss}");
    }
}

fn context<'a>(registry: &'a Registry, keys: &'a [Provider], peers: &'a [PeerCandidate]) -> Context<'a> {
    Context { registry, keys, budget_micros: 1_000_000, budget_credits: 100, peers, now_ms: NOW_MS }
}

fn route_text(text: &str, context: &Context) -> Route {
    route(&Subtask::read(text, classify_by_rules), context, &mut Spent::default())
}

#[test]
fn ultra_sensitive_work_stays_here_whatever_else_is_on_offer() {
    let registry = Registry::default();
    let trusting = OwnerPolicy { max_sensitivity: Sensitivity::UltraSensitive, ..OwnerPolicy::default() };
    let peers = [candidate(1, trusting, true, 1_000_000)];
    let route = route_text("Summarize my medical records from the clinic", &context(&registry, &KEYS, &peers));
    assert_eq!(route.executor, Executor::ThisDevice { model: "local-minilm".into() });
    assert_eq!(route.reason, "kept local: contains medical records (\u{201c}medical\u{201d})");
}

#[test]
fn sensitive_work_goes_only_to_a_peer_whose_owner_accepts_it() {
    let registry = Registry::default();
    let cautious = candidate(1, OwnerPolicy::default(), false, 900_000);
    let willing =
        candidate(2, OwnerPolicy { max_sensitivity: Sensitivity::Sensitive, ..OwnerPolicy::default() }, false, 100_000);
    let text = "Write a letter to my landlord about my salary";
    let route = route_text(text, &context(&registry, &KEYS, std::slice::from_ref(&cautious)));
    assert!(matches!(route.executor, Executor::ThisDevice { .. }), "{route:?}");
    assert!(route.reason.contains("never goes to a cloud provider"), "{}", route.reason);
    let route = route_text(text, &context(&registry, &KEYS, &[cautious, willing.clone()]));
    assert_eq!(route.executor, Executor::Peer { peer: willing.peer, label: "peer-2".into() });
    assert!(route.reason.ends_with("its owner accepts sensitive data"), "{}", route.reason);
}

#[test]
fn a_server_of_the_users_own_needs_no_key_and_wins_when_strong_and_free() {
    let mut registry = Registry::default();
    let mut own = registry.models[2].clone();
    own.id = "my-server".into();
    own.provider = Provider::Compatible;
    own.base_url = "http://127.0.0.1:8080/v1".into();
    own.strengths = vec![amorph_core::router::TaskKind::Writing];
    own.input_micros_per_1k = 0;
    own.output_micros_per_1k = 0;
    registry.models.push(own);
    assert_eq!(registry.check(), Ok(()));
    let poem = "Write a short poem about the autumn harbour";
    let route = route_text(poem, &context(&registry, &[], &[]));
    assert_eq!(route.executor, Executor::Cloud { model: "my-server".into(), provider: Provider::Compatible });
    assert!(route.reason.starts_with("goes to my-server (your server): strong at writing"), "{}", route.reason);
    // Not strong at code: the cloud model the user holds a key for is.
    let code = "Write a Python function that merges two sorted lists";
    let route = route_text(code, &context(&registry, &KEYS, &[]));
    assert_eq!(route.executor, Executor::Cloud { model: "gpt-4o".into(), provider: Provider::OpenAi });
}

#[test]
fn cloud_choice_is_strength_then_price_within_budget() {
    let registry = Registry::default();
    let code = "Write a Python function that merges two sorted lists";
    let route = route_text(code, &context(&registry, &KEYS, &[]));
    // claude-opus and gpt-4o are both strong at code; gpt-4o is cheaper.
    assert_eq!(route.executor, Executor::Cloud { model: "gpt-4o".into(), provider: Provider::OpenAi });
    assert!(route.reason.starts_with("goes to gpt-4o (OpenAI): strong at coding, about $0."), "{}", route.reason);
    let only_anthropic = [Provider::Anthropic];
    let poor = Context { budget_micros: 10_000, ..context(&registry, &only_anthropic, &[]) };
    let route = route_text(code, &poor);
    assert!(matches!(route.executor, Executor::ThisDevice { .. }));
    assert!(route.reason.contains("costs more than the $0.0100 left: claude-opus"), "{}", route.reason);
    let route = route_text(code, &context(&registry, &[], &[]));
    assert!(route.reason.contains("add an API key"), "{}", route.reason);
}

#[test]
fn the_budget_is_spent_in_plan_order() {
    let registry = Registry::default();
    let only_anthropic = [Provider::Anthropic];
    let context = Context { budget_micros: 70_000, ..context(&registry, &only_anthropic, &[]) };
    let steps =
        plan("1. Write a Rust parser for dates\n2. Write a Go parser for dates", classify_by_rules, &context).unwrap();
    assert!(matches!(steps[0].route.executor, Executor::Cloud { .. }));
    assert!(matches!(steps[1].route.executor, Executor::ThisDevice { .. }), "{:?}", steps[1].route);
}

#[test]
fn errands_go_to_the_board_unless_private_or_unaffordable() {
    let registry = Registry::default();
    let errand = "Take a photo of the opening hours at the bakery on Elm Street";
    let route = route_text(errand, &context(&registry, &KEYS, &[]));
    assert_eq!(route.executor, Executor::HumanBoard);
    assert_eq!(route.credits, DEFAULT_BOARD_CREDITS);
    let broke = Context { budget_credits: 5, ..context(&registry, &KEYS, &[]) };
    assert!(route_text(errand, &broke).reason.contains("5 credits left"));
    let everyone = context(&registry, &KEYS, &[]);
    let internal = route_text("Visit our supplier and photograph the unreleased prototype", &everyone);
    assert!(matches!(internal.executor, Executor::ThisDevice { .. }));
    assert!(internal.reason.contains("stays off the public board"), "{}", internal.reason);
}

#[test]
fn heavy_computation_needs_a_real_gpu_and_a_fresh_envelope() {
    let registry = Registry::default();
    let gpu = candidate(3, OwnerPolicy::default(), true, 500_000);
    let mut fallback = candidate(4, OwnerPolicy::default(), true, 900_000);
    fallback.capability.fallback_adapter = true;
    let render = "Render this 3D scene at 4K";
    let route = route_text(render, &context(&registry, &KEYS, &[gpu.clone(), fallback]));
    assert_eq!(route.executor, Executor::Peer { peer: gpu.peer, label: "peer-3".into() });
    assert!(route.reason.contains("GPU 10000.0 GFLOP/s"), "{}", route.reason);
    let stale_at = gpu.signed_at_ms + ENVELOPE_FRESH_MS + 1;
    let peers = [gpu];
    let later = Context { now_ms: stale_at, ..context(&registry, &KEYS, &peers) };
    assert!(matches!(route_text(render, &later).executor, Executor::ThisDevice { .. }));
}

#[test]
fn a_peer_that_bid_is_paid_its_bid_and_must_fit_the_credits() {
    let registry = Registry::default();
    let mut bidder = candidate(5, OwnerPolicy::default(), true, 700_000);
    bidder.bid_price = Some(40);
    let context = Context { budget_credits: 30, ..context(&registry, &[], std::slice::from_ref(&bidder)) };
    assert!(matches!(
        route_text("Train a small neural network on this dataset", &context).executor,
        Executor::ThisDevice { .. }
    ));
    let context = Context { budget_credits: 40, ..context };
    let route = route_text("Train a small neural network on this dataset", &context);
    assert_eq!(route.credits, 40);
    assert!(route.reason.contains("bid 40 credits"));
}

#[test]
fn a_user_mark_raises_the_class_but_never_lowers_it() {
    let mut subtask = Subtask::read("Translate this menu into French", classify_by_rules);
    subtask.raise(Sensitivity::UltraSensitive);
    assert_eq!(subtask.sensitivity.reason, "marked ultra-sensitive by you");
    subtask.raise(Sensitivity::General);
    assert_eq!(subtask.sensitivity.class, Sensitivity::UltraSensitive);
}

#[test]
fn a_part_working_on_a_private_result_is_as_private_as_it() {
    let registry = Registry::default();
    let request = "1. Summarize my medical records from the clinic\n2. Translate it into French\n\
                   3. Write a haiku about autumn";
    let steps = plan(request, classify_by_rules, &context(&registry, &KEYS, &[])).expect("a plan");
    assert_eq!(steps.len(), 3, "{steps:#?}");
    assert_eq!(steps.iter().map(|s| s.depends_on).collect::<Vec<_>>(), [None, Some(0), None]);
    let translation = &steps[1];
    assert_eq!(translation.subtask.sensitivity.class, Sensitivity::UltraSensitive);
    assert!(
        translation.subtask.sensitivity.reason.starts_with("works on the result of part 1 (contains medical"),
        "{}",
        translation.subtask.sensitivity.reason
    );
    assert!(matches!(translation.route.executor, Executor::ThisDevice { .. }), "{:?}", translation.route);
    // The unrelated part is not dragged along.
    assert!(matches!(steps[2].route.executor, Executor::Cloud { .. }), "{:?}", steps[2].route);
}

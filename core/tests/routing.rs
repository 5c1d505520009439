//! The router on the labelled set with the keyword rules (the reading used while the model is
//! absent). The model's reading of the same set is tested in worker/tests/routing_with_model.rs.

#[path = "support/routing_set.rs"]
mod routing_set;

use amorph_core::router::classify_by_rules;

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
    // Every class is detected exactly by the rules (the model plays no part in privacy).
    assert_eq!(report.classes_right, report.total);
}

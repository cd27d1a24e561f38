//! Head sampling decides the sampled flag of new roots only; children, hand-offs and incoming
//! traceparents keep theirs, and unsampled traces keep their ids and log lines.
//!
//! One test function: the sampler is process-wide, and tests of one binary run concurrently.

use std::collections::HashMap;

use tests::capture;
use traced_runtime::sampling::{Sampler, set_sampler};
use traced_runtime::{TraceContext, propagation, traced};

#[traced(span)]
fn handler() -> TraceContext {
    log::info!("handling");
    TraceContext::current().unwrap()
}

fn sampled_share(roots: u32) -> f64 {
    let sampled = (0..roots)
        .filter(|_| TraceContext::new_root().is_sampled())
        .count();
    sampled as f64 / f64::from(roots)
}

#[test]
fn the_head_sampler_decides_roots_only() {
    let logs = capture();

    // Default: always on.
    assert_eq!(sampled_share(1000), 1.0);

    set_sampler(Sampler::AlwaysOff);
    assert_eq!(sampled_share(1000), 0.0);
    let unsampled = handler();
    assert!(!unsampled.is_sampled());
    let record = logs.records().pop().unwrap();
    assert_eq!(record.message, "handling");
    assert_eq!(
        record.trace_id(),
        Some(unsampled.trace_id().to_string().as_str()),
        "unsampled traces keep their ids on every line"
    );

    // An incoming sampled traceparent is honoured whatever the local sampler says.
    let headers = HashMap::from([(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    )]);
    let remote = propagation::extract(&headers).unwrap();
    assert!(remote.is_sampled());
    assert!(
        remote.in_scope(handler).is_sampled(),
        "children keep the parent's flag"
    );

    // Ratio: decided by the trace-id, about the given share. 10,000 draws: the bounds are
    // more than 10 standard deviations wide, so this fails only if the decision is wrong.
    set_sampler(Sampler::TraceIdRatio(0.25));
    let share = sampled_share(10_000);
    assert!((0.2..0.3).contains(&share), "sampled share {share}");

    set_sampler(Sampler::AlwaysOn);
    assert_eq!(sampled_share(100), 1.0);
}

#[test]
fn sampler_names_follow_the_opentelemetry_environment_variables() {
    assert_eq!(
        Sampler::from_name("parentbased_traceidratio", Some("0.1")),
        Ok(Sampler::TraceIdRatio(0.1))
    );
    assert_eq!(
        Sampler::from_name("traceidratio", None),
        Ok(Sampler::TraceIdRatio(1.0))
    );
    let error = Sampler::from_name("traceidratio", Some("lots")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sampler ratio \"lots\" is not a number between 0.0 and 1.0"
    );
    assert!(
        "xray"
            .parse::<Sampler>()
            .unwrap_err()
            .to_string()
            .starts_with("unknown sampler \"xray\"")
    );
}

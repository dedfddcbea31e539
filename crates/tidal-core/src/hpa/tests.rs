//! What the transcribed Kubernetes tables do not pin: the messages a user reads, which metric
//! is named when proposals tie, and the rules reported for explanations.

use jiff::{SignedDuration, Timestamp};

use super::*;

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn proposal(replicas: i32) -> Proposal {
    Proposal {
        replicas,
        usage_ratio: 1.0,
        current: Current::Value { value: 0 },
        rule: Rule::Proportional,
        pods: None,
    }
}

#[test]
fn invalid_targets_name_the_field_value_and_what_is_allowed() {
    let pods = [Pod::running("web-0", now())];
    let samples = PodSamples {
        pods: &pods,
        metrics: &[],
        now: now(),
        readiness: ReadinessConfig::default(),
    };
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target: ResourceTarget::Utilization(0),
    };
    let err = resource_replicas(&metric, 1, &samples, Tolerances::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "metric target.averageUtilization is 0; allowed: a value greater than 0"
    );

    let scale = ScaleState {
        spec_replicas: 1,
        status_replicas: 1,
        ready_pods: Some(1),
    };
    let err = external_replicas(
        ExternalTarget::AverageValue(-5),
        &[1],
        &scale,
        Tolerances::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("target.averageValue is -5"),
        "{err}"
    );
}

#[test]
fn missing_request_names_the_pod_and_the_fix() {
    let mut pod = Pod::running("web-7", now() - SignedDuration::from_hours(1));
    pod.requests.memory = Some(1 << 30);
    let pods = [pod];
    let metrics = [PodMetric {
        pod: "web-7".into(),
        value: 100,
        timestamp: now(),
        window: SignedDuration::from_secs(30),
    }];
    let samples = PodSamples {
        pods: &pods,
        metrics: &metrics,
        now: now(),
        readiness: ReadinessConfig::default(),
    };
    let metric = ResourceMetric {
        resource: ResourceName::Cpu,
        target: ResourceTarget::Utilization(50),
    };
    let message = resource_replicas(&metric, 1, &samples, Tolerances::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("Pod web-7") && message.contains("resources.requests.cpu"),
        "{message}"
    );
}

#[test]
fn ties_name_the_first_metric_but_zeros_the_last() {
    let combined = combine(3, &[Ok(proposal(5)), Ok(proposal(5)), Ok(proposal(2))]).unwrap();
    assert_eq!((combined.replicas, combined.winner), (5, 0));
    let zeros = combine(3, &[Ok(proposal(0)), Ok(proposal(0))]).unwrap();
    assert_eq!((zeros.replicas, zeros.winner), (0, 1));
}

#[test]
fn a_failing_metric_blocks_only_scale_downs() {
    let failed = || Err(Error::NoExternalValues);
    let up = combine(3, &[failed(), Ok(proposal(6))]).unwrap();
    assert_eq!(
        (up.replicas, up.winner, up.invalid.as_slice()),
        (6, 1, &[0][..])
    );
    let same = combine(3, &[Ok(proposal(3)), failed()]).unwrap();
    assert_eq!(same.replicas, 3);
    let down = combine(3, &[Ok(proposal(2)), failed()]).unwrap_err();
    assert_eq!(
        down.to_string(),
        "invalid metrics (1 invalid out of 2), first error is: no values returned for the external metric"
    );
    assert_eq!(
        combine(3, &[failed(), failed()]).unwrap_err(),
        Error::InvalidMetrics {
            invalid: 2,
            total: 2,
            first: Box::new(Error::NoExternalValues),
        }
    );
    assert_eq!(combine(3, &[]), Err(Error::NoMetrics));
}

#[test]
fn scaling_from_zero_ignores_tolerance_and_ready_pods() {
    let scale = ScaleState {
        spec_replicas: 0,
        status_replicas: 0,
        ready_pods: None,
    };
    let p = external_replicas(
        ExternalTarget::Value(100),
        &[105],
        &scale,
        Tolerances::default(),
    )
    .unwrap();
    assert_eq!((p.replicas, p.rule), (2, Rule::FromZero));
    let idle = external_replicas(
        ExternalTarget::Value(100),
        &[0],
        &scale,
        Tolerances::default(),
    )
    .unwrap();
    assert_eq!(idle.replicas, 0);
}

#[test]
fn a_value_target_without_pods_fails_only_when_it_must_count_them() {
    let scale = ScaleState {
        spec_replicas: 2,
        status_replicas: 2,
        ready_pods: None,
    };
    let within = external_replicas(
        ExternalTarget::Value(100),
        &[100],
        &scale,
        Tolerances::default(),
    );
    assert_eq!(within.map(|p| p.rule), Ok(Rule::WithinTolerance));
    let outside = external_replicas(
        ExternalTarget::Value(100),
        &[300],
        &scale,
        Tolerances::default(),
    );
    assert_eq!(outside, Err(Error::NoPods));
    assert_eq!(ready_pod_count(&[]), Err(Error::NoPods));
}

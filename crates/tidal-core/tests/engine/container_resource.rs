//! `cpu`/`memory` triggers with `containerName`: the HPA's `ContainerResource` metric, which
//! reads one container of each pod so that a busy or idle sidecar does not skew the decision.

use jiff::SignedDuration;
use tidal_core::decision::BoundBy;
use tidal_core::engine::Observation;
use tidal_core::hpa::{ContainerRequests, ContainerUsage, Pod, PodUsage, Requests, pod_metrics};

use crate::support::{active_at, at, decide, engine, try_config};

fn spec(container: &str) -> String {
    format!(
        "scaleTargetRef: {{name: web}}
minReplicaCount: 1
triggers:
  - {{type: cpu, metricType: Utilization, metadata: {{value: '50', containerName: '{container}'}}}}
"
    )
}

fn requests(cpu: i64) -> Requests {
    Requests {
        cpu: Some(cpu),
        memory: None,
    }
}

/// Two pods, each an `app` container requesting 100m and a `proxy` sidecar requesting 300m;
/// the app uses `app_usage`, the proxy 10m.
fn app_with_proxy(app_usage: i64) -> Observation {
    let containers = vec![
        ContainerRequests {
            name: "app".into(),
            requests: requests(100),
        },
        ContainerRequests {
            name: "proxy".into(),
            requests: requests(300),
        },
    ];
    let pods = (0..2)
        .map(|i| Pod {
            requests: requests(400),
            containers: containers.clone(),
            ..Pod::running(format!("web-{i}"), at("00:00:00"))
        })
        .collect();
    let usage: Vec<PodUsage> = (0..2)
        .map(|i| PodUsage {
            pod: format!("web-{i}"),
            timestamp: at("00:09:45"),
            window: SignedDuration::from_secs(30),
            containers: vec![
                ContainerUsage {
                    name: "app".into(),
                    cpu: Some(app_usage),
                    memory: None,
                },
                ContainerUsage {
                    name: "proxy".into(),
                    cpu: Some(10),
                    memory: None,
                },
            ],
        })
        .collect();
    Observation {
        replicas: 2,
        ready_replicas: 2,
        pods,
        cpu: pod_metrics(&usage, tidal_core::hpa::ResourceName::Cpu),
        container_usage: usage,
        ..Observation::default()
    }
}

#[test]
fn a_named_container_is_compared_with_its_own_request() {
    let observation = app_with_proxy(120);
    let app = decide(
        &engine(&spec("app")),
        &observation,
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    // 120m of 100m is 120 % against 50 %: ceil(2.4 × 2 pods) = 5, which the HPA's default
    // scale-up limit (twice the current count, at least 4) holds to 4.
    assert_eq!(
        (app.triggers[0].value, app.triggers[0].proposal),
        (Some(120.0), Some(5))
    );
    assert_eq!(
        (app.desired_replicas, app.bound_by),
        (4, BoundBy::ScaleUpLimit)
    );

    let whole = decide(
        &engine(&spec("app").replace(", containerName: 'app'", "")),
        &observation,
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    // The whole pod, 130m of 400m, is at 32 %: the idle sidecar hides the busy app.
    assert_eq!(whole.triggers[0].value, Some(32.0));
    assert_eq!(whole.desired_replicas, 2);
}

#[test]
fn a_container_the_pods_do_not_run_fails_the_trigger_by_name() {
    let d = decide(
        &engine(&spec("worker")),
        &app_with_proxy(120),
        &mut active_at("00:00:00"),
        "00:10:00",
    );
    let error = d.triggers[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("container worker not present in metrics for any pod (pod web-0, for one)"),
        "{error}"
    );
    assert_eq!(
        d.desired_replicas, 2,
        "a failing cpu trigger keeps the count"
    );
}

#[test]
fn a_container_name_that_kubernetes_would_refuse_is_an_error_naming_the_field() {
    let error = try_config(&spec("App_1"), &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "ScaledObject test/web: spec.triggers[0].metadata.containerName: \"App_1\" is not \
         allowed; a container name: at most 63 lowercase letters, digits and '-', starting and \
         ending with a letter or digit"
    );
}

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::testutil::context;
use crate::{Error as CrateError, Services};

/// A pod index over a fixed pod list, like the operator's.
/// (namespace, labels, phase) of one pod.
type Pod = (String, BTreeMap<String, String>, Option<String>);

struct Index(Mutex<Vec<Pod>>);

impl PodCounter for Index {
    fn count(&self, namespace: &str, selector: &LabelSelector) -> Result<usize, String> {
        let pods = self.0.lock().unwrap();
        Ok(count_pods(
            pods.iter()
                .filter(|(ns, _, _)| ns == namespace)
                .map(|(_, labels, phase)| PodInfo {
                    labels,
                    phase: phase.as_deref(),
                }),
            selector,
        ))
    }
}

struct Unsynced;

impl PodCounter for Unsynced {
    fn count(&self, _: &str, _: &LabelSelector) -> Result<usize, String> {
        Err("the pod index has not synced yet".into())
    }
}

fn pod(ns: &str, app: &str, phase: &str) -> Pod {
    (
        ns.into(),
        [("app".to_owned(), app.to_owned())].into(),
        Some(phase.into()),
    )
}

fn scaler(
    metadata: &[(&str, &str)],
    pods: Arc<dyn PodCounter>,
) -> Result<WorkloadScaler, CrateError> {
    WorkloadScaler::new(&context(
        TYPE,
        metadata,
        &[],
        &[],
        Arc::new(Services::new().with_pods(pods)),
    ))
}

#[tokio::test]
async fn counts_live_pods_in_the_object_namespace() {
    let index = Arc::new(Index(Mutex::new(vec![
        pod("shop", "worker", "Running"),
        pod("shop", "worker", "Pending"),
        pod("shop", "worker", "Succeeded"),
        pod("shop", "worker", "Failed"),
        pod("shop", "web", "Running"),
        pod("other", "worker", "Running"),
    ])));
    let s = scaler(
        &[
            ("podSelector", "app=worker"),
            ("value", "2"),
            ("activationValue", "1"),
        ],
        index.clone(),
    )
    .unwrap();
    let values = s.sample().await.unwrap();
    assert_eq!(values[0].value, 2.0);
    assert!(values[0].active);
    assert_eq!(s.metric_specs()[0].name, "s0-workload-shop");
    assert_eq!(s.metric_specs()[0].target, 2.0);

    index
        .0
        .lock()
        .unwrap()
        .retain(|(_, _, phase)| phase.as_deref() != Some("Pending"));
    let values = s.sample().await.unwrap();
    assert_eq!(values[0].value, 1.0);
    assert!(!values[0].active, "1 pod is not above activationValue 1");
}

#[tokio::test]
async fn a_missing_or_unsynced_index_is_an_error() {
    let s = WorkloadScaler::new(&context(
        TYPE,
        &[("podSelector", "app=worker"), ("value", "1")],
        &[],
        &[],
        Arc::new(Services::new()),
    ))
    .unwrap();
    assert!(matches!(
        s.sample().await,
        Err(CrateError::KubernetesWorkload(Error::NoPodIndex))
    ));
    let s = scaler(
        &[("podSelector", "app=worker"), ("value", "1")],
        Arc::new(Unsynced),
    )
    .unwrap();
    let err = s.sample().await.unwrap_err().to_string();
    assert!(
        err.contains("\"shop\"") && err.contains("not synced"),
        "{err}"
    );
}

#[test]
fn every_invalid_parameter_is_named() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("value", "1")], "\"podSelector\" is required"),
        (
            &[("podSelector", "app=a b"), ("value", "1")],
            "\"podSelector\" has the value \"app=a b\"",
        ),
        (&[("podSelector", "app=a")], "\"value\" is required"),
        (
            &[("podSelector", "app=a"), ("value", "x")],
            "\"value\" has the value \"x\"",
        ),
        (
            &[("podSelector", "app=a"), ("value", "0")],
            "\"value\": must be greater than 0",
        ),
        (
            &[
                ("podSelector", "app=a"),
                ("value", "1"),
                ("activationValue", "-"),
            ],
            "\"activationValue\"",
        ),
    ];
    for (metadata, want) in cases {
        let err = scaler(metadata, Arc::new(Unsynced))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("kubernetes-workload: ") && err.contains(want),
            "{metadata:?}: {err}"
        );
    }
}

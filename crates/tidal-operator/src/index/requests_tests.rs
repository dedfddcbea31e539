use k8s_openapi::api::core::v1::ResourceRequirements;

use super::*;

fn list(pairs: &[(&str, &str)]) -> BTreeMap<String, Quantity> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned())))
        .collect()
}

fn container(name: &str, requests: &[(&str, &str)]) -> Container {
    Container {
        name: name.to_owned(),
        resources: Some(ResourceRequirements {
            requests: Some(list(requests)),
            ..ResourceRequirements::default()
        }),
        ..Container::default()
    }
}

fn sidecar(name: &str, requests: &[(&str, &str)]) -> Container {
    Container {
        restart_policy: Some("Always".to_owned()),
        ..container(name, requests)
    }
}

fn spec(containers: Vec<Container>, init: Vec<Container>, pod: &[(&str, &str)]) -> PodSpec {
    PodSpec {
        containers,
        init_containers: Some(init),
        resources: (!pod.is_empty()).then(|| ResourceRequirements {
            requests: Some(list(pod)),
            ..ResourceRequirements::default()
        }),
        ..PodSpec::default()
    }
}

const MI: i64 = 1024 * 1024 * 1000;

#[test]
fn without_pod_level_requests_the_containers_and_sidecars_are_summed() {
    let spec = spec(
        vec![container("app", &[("cpu", "250m"), ("memory", "64Mi")])],
        vec![
            container("migrate", &[("cpu", "2")]),
            sidecar("proxy", &[("cpu", "100m"), ("memory", "32Mi")]),
        ],
        &[],
    );
    let (total, containers) = requests(Some(&spec));
    assert_eq!(
        total.cpu,
        Some(350),
        "a plain init container does not count"
    );
    assert_eq!(total.memory, Some(96 * MI));
    assert_eq!(containers.len(), 2);
    // A container without a memory request: the HPA's "missing request".
    let spec = PodSpec {
        containers: vec![container("app", &[("cpu", "1")]), container("log", &[])],
        ..PodSpec::default()
    };
    assert_eq!(requests(Some(&spec)).0.memory, None);
}

#[test]
fn pod_level_requests_win_over_the_containers() {
    // Containers need not request anything once the pod does.
    let spec = spec(
        vec![container("app", &[]), container("log", &[])],
        vec![],
        &[("cpu", "400m"), ("memory", "256Mi")],
    );
    let (total, containers) = requests(Some(&spec));
    assert_eq!((total.cpu, total.memory), (Some(400), Some(256 * MI)));
    // containerName still reads the container, which requests nothing.
    assert_eq!(containers[0].requests.cpu, None);
}

#[test]
fn a_resource_the_pod_leaves_out_is_the_containers_aggregate_with_init_containers() {
    // Pod-level memory only: cpu is the scheduler's aggregate. Running: 100m + 50m (sidecar).
    // Initializing: the migration's 300m plus the sidecar started before it, 350m.
    let spec = spec(
        vec![container("app", &[("cpu", "100m")]), container("log", &[])],
        vec![
            sidecar("proxy", &[("cpu", "50m")]),
            container("migrate", &[("cpu", "300m")]),
        ],
        &[("memory", "1Gi")],
    );
    let (total, _) = requests(Some(&spec));
    assert_eq!(total.cpu, Some(350));
    assert_eq!(total.memory, Some(1024 * MI));
    // An init container that needs less than the running pod changes nothing.
    let light = spec_with_init(&spec, vec![container("migrate", &[("cpu", "10m")])]);
    assert_eq!(requests(Some(&light)).0.cpu, Some(100));
    // Nobody requests cpu: missing, as in the HPA.
    let none = spec_with_init(&spec, vec![]);
    let none = PodSpec {
        containers: vec![container("app", &[])],
        ..none
    };
    assert_eq!(requests(Some(&none)).0.cpu, None);
}

fn spec_with_init(spec: &PodSpec, init: Vec<Container>) -> PodSpec {
    PodSpec {
        init_containers: Some(init),
        ..spec.clone()
    }
}

#[test]
fn overhead_is_added_and_unsupported_pod_requests_are_ignored() {
    let mut with_overhead = spec(vec![container("app", &[])], vec![], &[("cpu", "1")]);
    with_overhead.overhead = Some(list(&[("cpu", "250m"), ("memory", "120Mi")]));
    let (total, _) = requests(Some(&with_overhead));
    assert_eq!(total.cpu, Some(1250));
    assert_eq!(
        total.memory,
        Some(120 * MI),
        "the overhead alone, as PodRequests adds it"
    );
    // Hugepages alone switch to pod-level requests: cpu is then the aggregate.
    let hugepages = spec(
        vec![container("app", &[("cpu", "200m")])],
        vec![],
        &[("hugepages-2Mi", "100Mi")],
    );
    assert_eq!(requests(Some(&hugepages)).0.cpu, Some(200));
    // A pod-level request for something unsupported keeps the container sum.
    let other = spec(
        vec![container("app", &[("cpu", "200m")]), container("log", &[])],
        vec![],
        &[("example.com/widget", "1")],
    );
    assert_eq!(requests(Some(&other)).0.cpu, None);
}

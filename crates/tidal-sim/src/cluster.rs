//! Pods and nodes in virtual time: startup latency, readiness, graceful termination, pods pending
//! when no node has room, and an optional cluster-autoscaler-like node provisioner.
//!
//! This is where a replica decision becomes capacity, minutes later: the gap between the two is
//! what separates a good policy from a bad one on real clusters, so it is modelled explicitly
//! rather than assumed away.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dist::{Dist, Sampler};
use crate::span::Span;

/// The `cluster` section of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Time from a pod being scheduled on a ready node to the pod being Ready.
    pub startup: Dist<Span>,
    /// Longest a terminating pod may drain in-flight work (default 30s).
    #[serde(default = "thirty_seconds")]
    pub termination_grace: Span,
    /// Replicas running at the start (default 1).
    #[serde(default = "one")]
    pub initial_replicas: u32,
    /// What one pod requests from its node.
    #[serde(default)]
    pub pod: Resources,
    /// Nodes; without this section the cluster has room for any number of pods.
    #[serde(default)]
    pub nodes: Option<NodesSpec>,
}

fn thirty_seconds() -> Span {
    Span(30.0)
}

fn one() -> u32 {
    1
}

/// CPU cores, memory and GPUs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU cores.
    #[serde(default = "one_core")]
    pub cpu: f64,
    /// Memory in GiB.
    #[serde(default = "one_core")]
    pub memory_gib: f64,
    /// GPUs.
    #[serde(default)]
    pub gpu: u32,
}

fn one_core() -> f64 {
    1.0
}

impl Default for Resources {
    fn default() -> Self {
        Self {
            cpu: 1.0,
            memory_gib: 1.0,
            gpu: 0,
        }
    }
}

impl Resources {
    fn fits(&self, need: &Resources) -> bool {
        self.cpu + 1e-9 >= need.cpu
            && self.memory_gib + 1e-9 >= need.memory_gib
            && self.gpu >= need.gpu
    }

    fn take(&mut self, need: &Resources) {
        self.cpu -= need.cpu;
        self.memory_gib -= need.memory_gib;
        self.gpu -= need.gpu;
    }

    fn give(&mut self, need: &Resources) {
        self.cpu += need.cpu;
        self.memory_gib += need.memory_gib;
        self.gpu += need.gpu;
    }

    /// How many pods of `need` fit into `self`.
    fn pods_of(&self, need: &Resources) -> u32 {
        let by = |have: f64, want: f64| {
            if want > 0.0 {
                (have / want + 1e-9).floor()
            } else {
                f64::MAX
            }
        };
        let gpu = self.gpu.checked_div(need.gpu).map_or(f64::MAX, f64::from);
        by(self.cpu, need.cpu)
            .min(by(self.memory_gib, need.memory_gib))
            .min(gpu) as u32
    }
}

/// `cluster.nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodesSpec {
    /// Nodes present at the start.
    pub initial: u32,
    /// Allocatable capacity of one node.
    pub capacity: Resources,
    /// Time from asking for a node to it accepting pods.
    #[serde(default = "four_minutes")]
    pub provisioning: Dist<Span>,
    /// Add nodes for pending pods and remove empty ones, like the Cluster Autoscaler.
    #[serde(default)]
    pub autoscaler: Option<NodeAutoscaler>,
}

fn four_minutes() -> Dist<Span> {
    Dist::Fixed(Span(240.0))
}

/// `cluster.nodes.autoscaler`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeAutoscaler {
    /// Most nodes the provisioner may run.
    pub max_nodes: u32,
    /// How often it looks for pending pods (default 10s, as the Cluster Autoscaler).
    #[serde(default = "ten_seconds")]
    pub scan_interval: Span,
    /// How long a node must be empty before removal (default 10m).
    #[serde(default = "ten_minutes")]
    pub scale_down_unneeded: Span,
}

fn ten_seconds() -> Span {
    Span(10.0)
}

fn ten_minutes() -> Span {
    Span(600.0)
}

/// Lifecycle of a pod.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PodState {
    /// Waiting for a node with room.
    Pending,
    /// Scheduled, becoming Ready at the given time.
    Starting(f64),
    /// Serving.
    Ready,
    /// Draining until the given deadline.
    Terminating(f64),
}

/// One pod.
#[derive(Debug, Clone)]
pub struct Pod {
    /// Unique id within a run.
    pub id: u64,
    /// Where it is in its life.
    pub state: PodState,
    node: Option<usize>,
}

#[derive(Debug, Clone)]
struct Node {
    free: Resources,
    ready_at: f64,
    pods: u32,
    empty_since: f64,
    managed: bool,
}

/// Counts of pods by state at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PodCounts {
    /// Pods asked for (not terminating).
    pub desired: u32,
    /// Ready pods.
    pub ready: u32,
    /// Scheduled, not yet Ready.
    pub starting: u32,
    /// Waiting for a node.
    pub pending: u32,
    /// Draining.
    pub terminating: u32,
    /// Nodes, including those being provisioned.
    pub nodes: u32,
}

/// The simulated cluster of one run.
#[derive(Debug)]
pub struct Cluster {
    pods: Vec<Pod>,
    nodes: Vec<Node>,
    next_id: u64,
    startup: Sampler,
    provisioning: Option<Sampler>,
    rng: ChaCha8Rng,
    grace: f64,
    pod: Resources,
    spec: Option<NodesSpec>,
    next_scan: f64,
    /// Pods by state, recounted after every change: the run loop asks several times a step.
    counts: PodCounts,
    /// Bumped at every change of a pod's state, so the service resyncs only when needed.
    version: u64,
    /// Pod-seconds billed (scheduled, ready or terminating pods).
    pub pod_seconds: f64,
    /// GPU-seconds billed.
    pub gpu_seconds: f64,
    /// Node-seconds billed (including nodes being provisioned).
    pub node_seconds: f64,
}

impl Cluster {
    /// A cluster for `spec` with compiled samplers, seeded with `seed`. Initial replicas are
    /// Ready at time 0.
    pub fn new(
        spec: &ClusterSpec,
        startup: Sampler,
        provisioning: Option<Sampler>,
        seed: u64,
    ) -> Self {
        let nodes = spec.nodes.as_ref().map_or_else(Vec::new, |n| {
            (0..n.initial)
                .map(|_| Node {
                    free: n.capacity,
                    ready_at: 0.0,
                    pods: 0,
                    empty_since: 0.0,
                    managed: false,
                })
                .collect()
        });
        let mut cluster = Self {
            pods: Vec::new(),
            nodes,
            next_id: 0,
            startup,
            provisioning,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xC1A5_7E55),
            grace: spec.termination_grace.secs(),
            pod: spec.pod,
            spec: spec.nodes.clone(),
            next_scan: 0.0,
            counts: PodCounts::default(),
            version: 0,
            pod_seconds: 0.0,
            gpu_seconds: 0.0,
            node_seconds: 0.0,
        };
        cluster.scale_to(spec.initial_replicas, 0.0);
        for pod in &mut cluster.pods {
            if matches!(pod.state, PodState::Starting(_)) {
                pod.state = PodState::Ready;
            }
        }
        cluster.changed();
        cluster
    }

    /// Recounts the pods after a change.
    fn changed(&mut self) {
        let mut c = PodCounts {
            nodes: self.nodes.len() as u32,
            ..PodCounts::default()
        };
        for pod in &self.pods {
            match pod.state {
                PodState::Pending => c.pending += 1,
                PodState::Starting(_) => c.starting += 1,
                PodState::Ready => c.ready += 1,
                PodState::Terminating(_) => c.terminating += 1,
            }
        }
        c.desired = c.pending + c.starting + c.ready;
        self.counts = c;
        self.version += 1;
    }

    /// A number that changes whenever any pod or node changes state.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The pods of the cluster.
    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    /// Counts of pods by state.
    pub fn counts(&self) -> PodCounts {
        self.counts
    }

    /// Asks for `replicas` pods: creates pending pods or terminates the least useful ones
    /// (pending first, then starting, then ready; newest first, like a ReplicaSet).
    pub fn scale_to(&mut self, replicas: u32, now: f64) {
        let live = self.counts().desired;
        if replicas > live {
            for _ in live..replicas {
                self.pods.push(Pod {
                    id: self.next_id,
                    state: PodState::Pending,
                    node: None,
                });
                self.next_id += 1;
            }
            self.schedule(now);
        } else if replicas < live {
            let mut victims: Vec<usize> = (0..self.pods.len())
                .filter(|&i| !matches!(self.pods[i].state, PodState::Terminating(_)))
                .collect();
            let rank = |s: PodState| match s {
                PodState::Pending => 0,
                PodState::Starting(_) => 1,
                _ => 2,
            };
            victims
                .sort_by_key(|&i| (rank(self.pods[i].state), std::cmp::Reverse(self.pods[i].id)));
            victims.truncate((live - replicas) as usize);
            let mut gone = Vec::new();
            for &i in &victims {
                if self.pods[i].state == PodState::Ready {
                    self.pods[i].state = PodState::Terminating(now + self.grace);
                } else {
                    // Nothing to drain: gone at once, its room on the node freed.
                    gone.push(self.pods[i].id);
                    if let Some(n) = self.pods[i].node {
                        self.release(n, now);
                    }
                }
            }
            self.pods.retain(|p| !gone.contains(&p.id));
        }
        self.changed();
    }

    fn release(&mut self, node: usize, now: f64) {
        self.nodes[node].free.give(&self.pod);
        self.nodes[node].pods -= 1;
        if self.nodes[node].pods == 0 {
            self.nodes[node].empty_since = now;
        }
    }

    /// Starts pending pods on nodes with room; whether any started.
    fn schedule(&mut self, now: f64) -> bool {
        let mut started = false;
        for i in 0..self.pods.len() {
            if self.pods[i].state != PodState::Pending {
                continue;
            }
            let node = if self.spec.is_none() {
                None
            } else {
                match self
                    .nodes
                    .iter()
                    .position(|n| n.ready_at <= now && n.free.fits(&self.pod))
                {
                    Some(n) => Some(n),
                    None => continue,
                }
            };
            if let Some(n) = node {
                self.nodes[n].free.take(&self.pod);
                self.nodes[n].pods += 1;
            }
            let startup = self.startup.sample(&mut self.rng);
            self.pods[i].node = node;
            self.pods[i].state = PodState::Starting(now + startup);
            started = true;
        }
        started
    }

    /// Advances the cluster by `dt` to `now`: bills the step, makes started pods Ready, ends
    /// terminations whose pod has drained (`draining(pod_id, rank)` is asked for terminating pods
    /// in the order they started terminating) or whose grace ran out, runs the node provisioner
    /// and schedules pending pods. Returns the ids of pods removed before they drained.
    pub fn advance(
        &mut self,
        now: f64,
        dt: f64,
        mut draining: impl FnMut(u64, usize) -> bool,
    ) -> Vec<u64> {
        let counts = self.counts;
        let billed = f64::from(counts.starting + counts.ready + counts.terminating);
        self.pod_seconds += dt * billed;
        self.gpu_seconds += dt * billed * f64::from(self.pod.gpu);
        self.node_seconds += dt * self.nodes.len() as f64;
        let mut cut_short = Vec::new();
        let mut rank = 0;
        let mut index = 0;
        let mut changed = false;
        // Most steps change nothing: skip the pod scan when no pod is starting or draining.
        let scan = counts.starting + counts.terminating > 0;
        while scan && index < self.pods.len() {
            let pod = &mut self.pods[index];
            match pod.state {
                PodState::Starting(at) if at <= now => {
                    pod.state = PodState::Ready;
                    changed = true;
                }
                PodState::Terminating(deadline) => {
                    let busy = draining(pod.id, rank);
                    rank += 1;
                    if !busy || deadline <= now {
                        if busy {
                            cut_short.push(pod.id);
                        }
                        let removed = self.pods.remove(index);
                        if let Some(n) = removed.node {
                            self.release(n, now);
                        }
                        changed = true;
                        continue;
                    }
                }
                _ => {}
            }
            index += 1;
        }
        let nodes = self.nodes.len();
        self.provision(now);
        if counts.pending > 0 {
            changed |= self.schedule(now);
        }
        if changed || nodes != self.nodes.len() {
            self.changed();
        }
        cut_short
    }

    fn provision(&mut self, now: f64) {
        let Some(spec) = &self.spec else { return };
        let Some(autoscaler) = &spec.autoscaler else {
            return;
        };
        if now < self.next_scan {
            return;
        }
        self.next_scan = now + autoscaler.scan_interval.secs();
        let pending = self
            .pods
            .iter()
            .filter(|p| p.state == PodState::Pending)
            .count() as u32;
        let per_node = spec.capacity.pods_of(&self.pod).max(1);
        let coming: u32 = self
            .nodes
            .iter()
            .filter(|n| n.ready_at > now)
            .map(|n| n.free.pods_of(&self.pod))
            .sum();
        if pending > coming {
            let wanted = (pending - coming).div_ceil(per_node);
            let room = autoscaler.max_nodes.saturating_sub(self.nodes.len() as u32);
            for _ in 0..wanted.min(room) {
                let delay = self
                    .provisioning
                    .as_ref()
                    .map_or(0.0, |s| s.sample(&mut self.rng));
                self.nodes.push(Node {
                    free: spec.capacity,
                    ready_at: now + delay,
                    pods: 0,
                    empty_since: now + delay,
                    managed: true,
                });
            }
        }
        // Remove one long-empty provisioned node per scan, never below the initial count. Pods
        // point at nodes by index, so only a trailing node can go without renumbering.
        let unneeded = autoscaler.scale_down_unneeded.secs();
        if pending == 0
            && self.nodes.len() > spec.initial as usize
            && let Some(last) = self.nodes.last()
            && last.managed
            && last.pods == 0
            && last.ready_at <= now
            && now - last.empty_since >= unneeded
        {
            self.nodes.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cluster, ClusterSpec, NodeAutoscaler, NodesSpec, PodState, Resources};
    use crate::dist::{Dist, Sampler};
    use crate::span::Span;

    fn spec(nodes: Option<NodesSpec>) -> ClusterSpec {
        ClusterSpec {
            startup: Dist::Fixed(Span(30.0)),
            termination_grace: Span(20.0),
            initial_replicas: 2,
            pod: Resources {
                cpu: 2.0,
                memory_gib: 1.0,
                gpu: 1,
            },
            nodes,
        }
    }

    #[test]
    fn pods_become_ready_after_startup_and_drain_on_scale_down() {
        let mut cluster = Cluster::new(&spec(None), Sampler::Fixed(30.0), None, 1);
        assert_eq!(cluster.counts().ready, 2);
        cluster.scale_to(4, 0.0);
        cluster.advance(29.0, 29.0, |_, _| false);
        assert_eq!(cluster.counts().starting, 2);
        cluster.advance(30.0, 1.0, |_, _| false);
        assert_eq!(cluster.counts().ready, 4);
        cluster.scale_to(3, 30.0);
        // The newest ready pod drains while the service still has work on it.
        cluster.advance(31.0, 1.0, |_, _| true);
        assert_eq!(cluster.counts().terminating, 1);
        assert_eq!(
            cluster
                .pods()
                .iter()
                .find(|p| matches!(p.state, PodState::Terminating(_)))
                .unwrap()
                .id,
            3
        );
        let cut = cluster.advance(51.0, 20.0, |_, _| true);
        assert_eq!(cut, vec![3], "grace ran out with work left");
        assert_eq!(cluster.counts().terminating, 0);
        // 2 pods x 30s + 4 x 1s... every scheduled pod is billed each step.
        assert!(cluster.gpu_seconds > 0.0);
    }

    #[test]
    fn pending_pods_wait_for_provisioned_nodes() {
        let nodes = NodesSpec {
            initial: 1,
            capacity: Resources {
                cpu: 4.0,
                memory_gib: 16.0,
                gpu: 2,
            },
            provisioning: Dist::Fixed(Span(100.0)),
            autoscaler: Some(NodeAutoscaler {
                max_nodes: 3,
                scan_interval: Span(10.0),
                scale_down_unneeded: Span(60.0),
            }),
        };
        let mut cluster = Cluster::new(
            &spec(Some(nodes)),
            Sampler::Fixed(30.0),
            Some(Sampler::Fixed(100.0)),
            1,
        );
        cluster.scale_to(7, 0.0);
        assert_eq!(cluster.counts().pending, 5);
        cluster.advance(1.0, 1.0, |_, _| false);
        assert_eq!(
            cluster.counts().nodes,
            3,
            "three nodes' worth of pods pending, capped at 3 nodes"
        );
        cluster.advance(100.0, 99.0, |_, _| false);
        assert_eq!(cluster.counts().pending, 5, "nodes are still provisioning");
        cluster.advance(101.0, 1.0, |_, _| false);
        assert_eq!(
            cluster.counts().pending,
            1,
            "max_nodes leaves one pod pending"
        );
        assert_eq!(cluster.counts().starting, 4);
        cluster.scale_to(2, 101.0);
        for t in 102..300 {
            cluster.advance(f64::from(t), 1.0, |_, _| false);
        }
        assert_eq!(
            cluster.counts().nodes,
            1,
            "empty provisioned nodes are removed"
        );
    }
}

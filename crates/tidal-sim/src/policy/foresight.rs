//! Policies that know the future: the oracle (the fewest replicas that meet the SLO, asked for
//! one startup latency ahead) and static peak provisioning. They bound what any real policy can
//! achieve and what over-provisioning costs, so results read as "% of oracle cost".

use super::{Bounds, Policy, PolicyDecision};
use crate::signals::SignalView;

/// Perfect foresight: at every moment, the most replicas any minute within the lead time needs.
#[derive(Debug, Clone)]
pub struct Oracle {
    lead: f64,
    bounds: Bounds,
}

impl Oracle {
    /// An oracle that orders replicas `lead` seconds before they are needed (the slow-case
    /// startup plus node provisioning).
    pub fn new(lead: f64, bounds: Bounds) -> Self {
        Self { lead, bounds }
    }
}

/// The most replicas any minute from `from` to `to` (seconds) needs.
fn need(needed: &[u32], from: f64, to: f64) -> u32 {
    let first = (from / 60.0).floor().max(0.0) as usize;
    let last = ((to / 60.0).floor().max(0.0) as usize).min(needed.len().saturating_sub(1));
    needed
        .get(first..=last)
        .and_then(|w| w.iter().copied().max())
        .unwrap_or(0)
}

impl Policy for Oracle {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn interval(&self) -> f64 {
        1.0
    }

    fn initial_replicas(&self, view: &SignalView<'_>) -> Option<u32> {
        Some(self.bounds.clamp(need(view.needed, 0.0, self.lead)))
    }

    fn decide(&mut self, view: &SignalView<'_>, now: f64) -> PolicyDecision {
        // Keep what the current minute needs, and have next minutes' needs ready in time.
        let desired = self.bounds.clamp(need(view.needed, now, now + self.lead));
        PolicyDecision {
            desired,
            bound_by: None,
        }
    }

    fn reason(&self) -> String {
        format!(
            "the most any minute needs within the next {:.0}s",
            self.lead
        )
    }
}

/// Static provisioning for the run's peak need.
#[derive(Debug, Clone)]
pub struct StaticPeak {
    bounds: Bounds,
}

impl StaticPeak {
    /// Static peak within `bounds`.
    pub fn new(bounds: Bounds) -> Self {
        Self { bounds }
    }

    fn peak(&self, view: &SignalView<'_>) -> u32 {
        self.bounds
            .clamp(view.needed.iter().copied().max().unwrap_or(0))
    }
}

impl Policy for StaticPeak {
    fn name(&self) -> &'static str {
        "static-peak"
    }

    fn interval(&self) -> f64 {
        60.0
    }

    fn initial_replicas(&self, view: &SignalView<'_>) -> Option<u32> {
        Some(self.peak(view))
    }

    fn decide(&mut self, view: &SignalView<'_>, _now: f64) -> PolicyDecision {
        PolicyDecision {
            desired: self.peak(view),
            bound_by: None,
        }
    }

    fn reason(&self) -> String {
        "provisioned for the run's peak need".into()
    }
}

#[cfg(test)]
mod tests {
    use super::{Oracle, StaticPeak};
    use crate::cluster::PodCounts;
    use crate::policy::{Bounds, Policy};
    use crate::signals::SignalView;

    #[test]
    fn the_oracle_orders_ahead_by_its_lead_and_lets_go_after() {
        let needed = [1, 1, 1, 6, 2, 2];
        let view = |now| SignalView {
            now,
            pods: PodCounts::default(),
            sample: None,
            needed: &needed,
        };
        let mut oracle = Oracle::new(90.0, Bounds { min: 1, max: 10 });
        assert_eq!(
            oracle.decide(&view(60.0), 60.0).desired,
            1,
            "minute 3 is beyond 60s+90s"
        );
        assert_eq!(
            oracle.decide(&view(95.0), 95.0).desired,
            6,
            "minute 3 starts within the lead"
        );
        assert_eq!(oracle.decide(&view(240.0), 240.0).desired, 2);
        let mut capped = Oracle::new(90.0, Bounds { min: 1, max: 4 });
        assert_eq!(capped.decide(&view(200.0), 200.0).desired, 4);
        let peak = StaticPeak::new(Bounds { min: 1, max: 10 });
        assert_eq!(peak.initial_replicas(&view(0.0)), Some(6));
    }
}

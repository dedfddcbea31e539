//! The decision engine: one deterministic function from a ScaledObject's configuration, the
//! world as observed, the object's remembered state and the time, to a [`Decision`].
//!
//! The operator calls it every polling interval with live readings; the simulator calls it in
//! virtual time; `tidal decide` calls it once on a scenario. All three therefore get the same
//! numbers for the same inputs. The engine does no IO and reads no clock.
//!
//! # One decision, step by step
//!
//! 1. **Pause.** `paused-replicas` holds its count, `paused` freezes the current one; nothing
//!    else runs (KEDA stops the scale loop).
//! 2. **Triggers.** Each external trigger's reading is compared with its activation target and
//!    becomes an HPA `External` metric; `cpu`/`memory` triggers are computed from the pods. A
//!    failed read increments the trigger's failure count; past `fallback.failureThreshold` it is
//!    replaced by KEDA's fallback value. With `scalingModifiers`, a formula combines the named
//!    triggers into one composite metric that replaces the external ones.
//! 3. **Activity.** The object is active when any external trigger is (or, with a formula, when
//!    the composite value is above its activation target and no trigger failed), when every
//!    trigger is `cpu`/`memory`, or when `force-activation` is set.
//! 4. **Zero and one** ([`crate::keda::executor`]). Active at zero replicas: scale to
//!    `max(minReplicaCount, 1)`. Inactive past the cooldown: scale to `idleReplicaCount` or
//!    zero. These steps are KEDA's, not the HPA's, and bypass the behavior rules.
//! 5. **One to N.** Otherwise, with replicas running, the HPA's math decides: the highest
//!    proposal among the metrics ([`crate::hpa::combine`]; a failing metric can block a
//!    scale-down but never a scale-up), then stabilization, rate policies and the bounds
//!    `[max(minReplicaCount, 1), maxReplicaCount]` ([`crate::behavior::normalize`]).
//!
//! # Behavior when none is configured
//!
//! KEDA copies `advanced.horizontalPodAutoscalerConfig.behavior` into the HPA as written, and
//! the API server fills in defaults only for a behavior that is present. A ScaledObject without
//! a behavior therefore gets the HPA's *legacy* rules (5-minute downscale stabilization, scale-up
//! limited to `max(2 × current, 4)` per decision), and so does Tidal. The pause annotations
//! `paused-scale-in`/`paused-scale-out` make KEDA write a behavior with that direction disabled,
//! which the API server then completes with the defaults; Tidal does the same.
//!
//! # State
//!
//! [`ScalerState`] carries what KEDA keeps in the object's status (last active time, failure
//! counts, paused replica count) and what the HPA controller keeps in memory (recommendations and
//! scale events). `decide` updates it as if its decision is applied; a caller that fails to
//! apply a decision should restore the state it passed in.

mod metrics;
mod observation;
mod reason;

use jiff::Timestamp;

use crate::behavior::{self, Normalized};
use crate::config::ScalingConfig;
use crate::decision::{BoundBy, Decision, TriggerOutcome};
use crate::hpa::{self, Pod, Rule, ScaleState, Tolerances};
use crate::keda::executor::{self, ExecutorInput, Step};

pub use observation::{Observation, Reading, ScalerState};

use metrics::{Context, Evaluation};

/// A ScaledObject's configuration, prepared for repeated decisions.
#[derive(Debug, Clone)]
pub struct Engine {
    config: ScalingConfig,
    /// Whether each trigger feeds the composite metric instead of proposing replicas itself.
    consumed: Vec<bool>,
    /// Each name the formula uses, with its trigger index.
    variables: Vec<(String, usize)>,
    tolerances: Tolerances,
    /// Every trigger is `cpu` or `memory`.
    only_resource: bool,
}

/// What the replica math concluded.
enum Math {
    /// The current count is outside `[min, max]`: the bound wins before any metric is read.
    OutOfBounds(i32, BoundBy),
    /// Failing metrics block the change.
    Blocked(hpa::Error),
    /// The normal path.
    Normalized {
        proposal: i32,
        /// Trigger index of the winning proposal; `None` for the composite metric.
        winner: Option<usize>,
        rule: Rule,
        normalized: Normalized,
    },
}

impl Engine {
    /// Prepares `config` for decisions. The pause annotations are applied to the behavior here
    /// too, so a configuration built by hand behaves as a converted one.
    pub fn new(mut config: ScalingConfig) -> Self {
        config.behavior = config.pause.apply(config.behavior.take());
        let variables: Vec<(String, usize)> = config
            .modifiers
            .as_ref()
            .map(|m| {
                m.formula
                    .variables()
                    .iter()
                    .filter_map(|name| {
                        let index = config
                            .triggers
                            .iter()
                            .position(|t| t.formula_name.as_deref() == Some(name))?;
                        Some((name.clone(), index))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let consumed = config
            .triggers
            .iter()
            .enumerate()
            .map(|(index, trigger)| {
                // A formula replaces every external metric (as in KEDA) and the resource
                // triggers it names (a Tidal extension).
                config.modifiers.is_some()
                    && (!trigger.is_resource() || variables.iter().any(|(_, i)| *i == index))
            })
            .collect();
        let tolerances = config.controller.tolerances(config.behavior.as_ref());
        let only_resource = config
            .triggers
            .iter()
            .all(crate::config::TriggerConfig::is_resource);
        Self {
            config,
            consumed,
            variables,
            tolerances,
            only_resource,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ScalingConfig {
        &self.config
    }

    /// Decides the replica count at `now` (module docs), updating `state`.
    pub fn decide(
        &self,
        observation: &Observation,
        state: &mut ScalerState,
        now: Timestamp,
    ) -> Decision {
        let config = &self.config;
        let current = observation.replicas.max(0);
        let mut ctx = self.context(observation, current, now);
        if config.pause.is_frozen() {
            // KEDA stops polling a paused object: nothing it remembers changes, and no replica
            // math runs; the readings are only reported.
            ctx.replica_math = false;
            let mut scratch = state.clone();
            let evaluation =
                metrics::evaluate(&config.triggers, &self.consumed, &ctx, &mut scratch);
            state.paused_replica_count = config.pause.replicas;
            let desired = config.pause.replicas.unwrap_or(current);
            return Decision {
                time: now,
                desired_replicas: desired,
                current_replicas: current,
                active: false,
                bound_by: BoundBy::Paused,
                reason: reason::paused(current, config.pause.replicas),
                proposal: None,
                triggers: evaluation.outcomes,
                composite: None,
                fallback: false,
                last_active_time: state.last_active_time,
            };
        }
        state.paused_replica_count = None;

        let mut evaluation = metrics::evaluate(&config.triggers, &self.consumed, &ctx, state);
        let (composite, composite_fallback) = match &config.modifiers {
            Some(modifiers) => {
                let (outcome, proposal, fell_back) =
                    metrics::composite(modifiers, &self.variables, &evaluation, &ctx);
                if let Some(proposal) = proposal {
                    evaluation.proposals.push((None, proposal));
                }
                (Some(outcome), fell_back)
            }
            None => (None, false),
        };
        let mut active = composite
            .as_ref()
            .map_or(evaluation.any_active, |c| c.active);
        if self.only_resource && !evaluation.read_error {
            active = true;
            for outcome in &mut evaluation.outcomes {
                outcome.active = true;
            }
        }

        let executor = executor::request_scale(&ExecutorInput {
            current,
            min: config.min_replicas,
            idle: config.idle_replicas,
            active,
            force_activation: config.force_activation,
            error: evaluation.read_error,
            fallback_replicas: config.fallback.map(|f| f.replicas),
            paused_scale_in: config.pause.scale_in,
            paused_scale_out: config.pause.scale_out,
            last_active: state.last_active_time,
            created_at: state.created_at,
            cooldown: config.cooldown,
            initial_cooldown: config.initial_cooldown,
            now,
        });
        if executor.refresh_last_active {
            state.last_active_time = Some(now);
        }

        let fallback =
            composite_fallback || evaluation.outcomes.iter().any(|outcome| outcome.fallback);
        let mut decision = Decision {
            time: now,
            desired_replicas: current,
            current_replicas: current,
            active: active || config.force_activation,
            bound_by: BoundBy::Activation,
            reason: String::new(),
            proposal: None,
            triggers: Vec::new(),
            composite,
            fallback,
            last_active_time: None,
        };
        let step = executor.step;
        match step {
            Step::Activate(to) => {
                decision.desired_replicas = to;
                decision.reason = reason::activated(current, to, config, &evaluation, &decision);
            }
            Step::ActivationBlocked => {
                decision.bound_by = BoundBy::PausedScaleOut;
                decision.reason = reason::activation_blocked(current, &evaluation, &decision);
            }
            Step::Deactivate { to, idle } => {
                decision.desired_replicas = to;
                decision.bound_by = BoundBy::Idle;
                decision.reason = reason::deactivated(current, to, idle, config, state);
            }
            Step::RaiseToMin(to) => {
                decision.desired_replicas = to;
                decision.bound_by = BoundBy::MinReplicas;
                decision.reason = reason::raised_to_min(current, to);
            }
            _ if current == 0 => {
                decision.reason = reason::staying_at_zero(&evaluation, &decision);
            }
            _ => self.replica_math(&mut decision, &evaluation, step, state, now),
        }
        decision.triggers = evaluation.outcomes;
        decision.last_active_time = state.last_active_time;
        decision
    }

    fn context<'a>(
        &self,
        observation: &'a Observation,
        current: i32,
        now: Timestamp,
    ) -> Context<'a> {
        let ready_pods = if observation.pods.is_empty() {
            (observation.ready_replicas > 0).then_some(observation.ready_replicas.unsigned_abs())
        } else {
            Some(
                observation
                    .pods
                    .iter()
                    .filter(|p| Pod::is_running_and_ready(p))
                    .count() as u32,
            )
        };
        Context {
            observation,
            now,
            current,
            scale: ScaleState {
                spec_replicas: current,
                status_replicas: observation.status_replicas.unwrap_or(current),
                ready_pods,
            },
            ready: ready_pods.unwrap_or(0),
            tolerances: self.tolerances,
            readiness: self.config.readiness,
            fallback: self.config.fallback,
            replica_math: current > 0,
        }
    }

    /// Step 5: the HPA's math for a target with replicas.
    fn replica_math(
        &self,
        decision: &mut Decision,
        evaluation: &Evaluation,
        step: Step,
        state: &mut ScalerState,
        now: Timestamp,
    ) {
        let config = &self.config;
        let current = decision.current_replicas;
        let (min, max) = (config.min_replicas.max(1), config.max_replicas);
        state.history.record_initial_recommendation(current, now);
        let math = if current > max {
            Math::OutOfBounds(max, BoundBy::MaxReplicas)
        } else if current < min {
            Math::OutOfBounds(min, BoundBy::MinReplicas)
        } else {
            let results: Vec<hpa::Result<hpa::Proposal>> = evaluation
                .proposals
                .iter()
                .map(|(_, p)| p.clone())
                .collect();
            match hpa::combine(current, &results) {
                Err(error) => Math::Blocked(error),
                Ok(combined) => {
                    let (winner, winning) = &evaluation.proposals[combined.winner];
                    let rule = winning.as_ref().map_or(Rule::Proportional, |p| p.rule);
                    let normalized = behavior::normalize(
                        &mut state.history,
                        config.behavior.as_ref(),
                        &config.controller,
                        behavior::Input {
                            current,
                            desired: combined.replicas,
                            min,
                            max,
                            now,
                        },
                    );
                    Math::Normalized {
                        proposal: combined.replicas,
                        winner: *winner,
                        rule,
                        normalized,
                    }
                }
            }
        };
        match math {
            Math::OutOfBounds(to, bound) => {
                decision.desired_replicas = to;
                decision.bound_by = bound;
            }
            Math::Blocked(error) => {
                decision.bound_by = BoundBy::TriggerError;
                decision.reason =
                    reason::replica_math(decision, evaluation, step, config, Some(&error));
                return;
            }
            Math::Normalized {
                proposal,
                winner,
                rule,
                normalized,
            } => {
                decision.proposal = Some(proposal);
                decision.desired_replicas = normalized.replicas;
                decision.bound_by =
                    self.bound_by(&normalized, winner, rule, current, decision, evaluation);
                if normalized.replicas != current {
                    state.history.record_scale(
                        config.behavior.as_ref(),
                        current,
                        normalized.replicas,
                        now,
                    );
                }
            }
        }
        if decision.desired_replicas == current {
            match step {
                Step::CoolingDown { initial, .. } => {
                    decision.bound_by = if initial {
                        BoundBy::InitialCooldown
                    } else {
                        BoundBy::Cooldown
                    };
                }
                Step::DeactivationBlocked => decision.bound_by = BoundBy::PausedScaleIn,
                _ => {}
            }
        }
        decision.reason = reason::replica_math(decision, evaluation, step, config, None);
    }

    fn bound_by(
        &self,
        normalized: &Normalized,
        winner: Option<usize>,
        rule: Rule,
        current: i32,
        decision: &Decision,
        evaluation: &Evaluation,
    ) -> BoundBy {
        let pause = self.config.pause;
        match normalized.bound_by {
            behavior::BoundBy::None => {
                let fell_back = match winner {
                    Some(index) => evaluation.outcomes[index].fallback,
                    None => decision.fallback,
                };
                if fell_back {
                    BoundBy::Fallback
                } else if rule == Rule::WithinTolerance && normalized.replicas == current {
                    BoundBy::Tolerance
                } else if winner.is_none() {
                    BoundBy::Formula
                } else {
                    BoundBy::Metric
                }
            }
            behavior::BoundBy::ScaleUpStabilization | behavior::BoundBy::ScaleDownStabilization => {
                BoundBy::Stabilization
            }
            behavior::BoundBy::ScaleUpPolicy => BoundBy::ScaleUpPolicy,
            behavior::BoundBy::ScaleDownPolicy => BoundBy::ScaleDownPolicy,
            behavior::BoundBy::ScaleUpLimit => BoundBy::ScaleUpLimit,
            behavior::BoundBy::ScaleUpDisabled if pause.scale_out => BoundBy::PausedScaleOut,
            behavior::BoundBy::ScaleUpDisabled => BoundBy::ScaleUpDisabled,
            behavior::BoundBy::ScaleDownDisabled if pause.scale_in => BoundBy::PausedScaleIn,
            behavior::BoundBy::ScaleDownDisabled => BoundBy::ScaleDownDisabled,
            behavior::BoundBy::MinReplicas => BoundBy::MinReplicas,
            behavior::BoundBy::MaxReplicas => BoundBy::MaxReplicas,
        }
    }
}

/// Outcomes of the triggers that are active, for reasons.
fn active_triggers(outcomes: &[TriggerOutcome]) -> impl Iterator<Item = &TriggerOutcome> {
    outcomes.iter().filter(|o| o.active)
}

//! Names the operator writes into the cluster.
//!
//! Every string another tool may match on (a finalizer, a field manager, an annotation key, an
//! Event reason) is a constant here, so a rename is one edit and a grep finds every use.

/// Finalizer that keeps a ScaledObject until the operator has released its scale target
/// (and restored the original replica count when `advanced.restoreToOriginalReplicaCount` is set).
pub const FINALIZER: &str = "tidal.dev/finalizer";

/// Field manager for every server-side apply and every `/scale` write, so `managedFields` show
/// which fields Tidal owns.
pub const FIELD_MANAGER: &str = "tidal-operator";

/// Default name of the `coordination.k8s.io/v1` Lease that elects the writing replica.
pub const DEFAULT_LEASE_NAME: &str = "tidal-operator";

/// Name of the controller in Events (`reportingController`).
pub const REPORTING_CONTROLLER: &str = "tidal.dev/operator";

/// Event reasons. KEDA's names where KEDA has the event, so dashboards and alerts carry over.
pub mod reasons {
    /// The object became ready (first time, or after being not ready).
    pub const SCALED_OBJECT_READY: &str = "ScaledObjectReady";
    /// The object cannot work: invalid spec, missing or unscalable target, conflicting owner.
    pub const SCALED_OBJECT_CHECK_FAILED: &str = "ScaledObjectCheckFailed";
    /// The object was deleted and its finalizer released.
    pub const SCALED_OBJECT_DELETED: &str = "ScaledObjectDeleted";
    /// A pause annotation now holds the target.
    pub const SCALED_OBJECT_PAUSED: &str = "ScaledObjectPaused";
    /// The pause annotations were removed; autoscaling resumed.
    pub const SCALED_OBJECT_UNPAUSED: &str = "ScaledObjectUnpaused";
    /// The scale loop started for the object.
    pub const SCALERS_STARTED: &str = "KEDAScalersStarted";
    /// The scale loop stopped for the object.
    pub const SCALERS_STOPPED: &str = "KEDAScalersStopped";
    /// A trigger failed to produce a value.
    pub const SCALER_FAILED: &str = "KEDAScalerFailed";
    /// The target went from zero (or idle) to active replicas.
    pub const SCALE_TARGET_ACTIVATED: &str = "KEDAScaleTargetActivated";
    /// The target went to zero (or idle) replicas.
    pub const SCALE_TARGET_DEACTIVATED: &str = "KEDAScaleTargetDeactivated";
    /// Writing the activation failed.
    pub const SCALE_TARGET_ACTIVATION_FAILED: &str = "KEDAScaleTargetActivationFailed";
    /// Writing the deactivation failed.
    pub const SCALE_TARGET_DEACTIVATION_FAILED: &str = "KEDAScaleTargetDeactivationFailed";
    /// Tidal changed the replica count between non-zero values (no KEDA equivalent: the HPA did it).
    pub const SCALED: &str = "TidalScaled";
    /// The replica count was written back on deletion (`restoreToOriginalReplicaCount`).
    pub const RESTORED: &str = "TidalOriginalReplicaCountRestored";
}

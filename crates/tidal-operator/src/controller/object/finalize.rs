//! A deleted ScaledObject: restore the original replica count if asked, then release it.

use kube::runtime::events::EventType;
use tidal_api::v1alpha1::ScaledObject;

use super::{ObjectLoop, PassEnd};
use crate::constants::reasons;
use crate::controller::finalizer;
use crate::status::EventSpec;
use crate::target::{self, TargetRef};

impl ObjectLoop {
    /// Handles a deleted object: restore the original count if asked, then release it.
    pub(super) async fn finalize(&mut self, object: &ScaledObject) -> PassEnd {
        if !finalizer::has(object) {
            return PassEnd::Released;
        }
        if !self.ctx.is_leader() {
            return PassEnd::Continue;
        }
        let restore = object.spec.restore_to_original_replica_count();
        let original = object
            .status
            .as_ref()
            .and_then(|s| s.original_replica_count);
        if let (true, Some(original)) = (restore, original)
            && let Err(error) = self.restore(object, original).await
            && !matches!(
                error,
                target::Error::NotFound { .. } | target::Error::KindNotFound { .. }
            )
        {
            // A target that is gone has nothing to restore; anything else is retried.
            tracing::warn!(%error, "Could not restore the original replica count; retrying.");
            return PassEnd::Continue;
        }
        match finalizer::remove(&self.api(), object).await {
            Ok(()) => {
                let note = "ScaledObject was deleted; Tidal stopped scaling its target".to_owned();
                self.ctx
                    .publish(
                        object,
                        EventSpec {
                            type_: EventType::Normal,
                            reason: reasons::SCALED_OBJECT_DELETED,
                            note,
                        },
                    )
                    .await;
                tracing::info!("Released the deleted ScaledObject.");
                PassEnd::Released
            }
            Err(error) => {
                tracing::warn!(%error, "Could not remove the finalizer; retrying.");
                PassEnd::Continue
            }
        }
    }

    async fn restore(&self, object: &ScaledObject, original: i32) -> target::Result<()> {
        let reference = &object.spec.scale_target_ref;
        let target = TargetRef::new(
            reference.api_version.as_deref(),
            reference.kind.as_deref(),
            &reference.name,
        )?;
        let client = self
            .ctx
            .resolver
            .scale_client(&target, &self.namespace)
            .await?;
        let scale = client.read(&target.name).await?;
        if scale.desired != original {
            client.write(&target.name, &scale, original).await?;
        }
        let note = format!(
            "Restored {} {}/{} to its original {original} replicas (was {})",
            target.kind, self.namespace, target.name, scale.desired
        );
        self.ctx
            .publish(
                object,
                EventSpec {
                    type_: EventType::Normal,
                    reason: reasons::RESTORED,
                    note,
                },
            )
            .await;
        Ok(())
    }
}

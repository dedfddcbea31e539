//! Plain, synchronous indexes of cluster state, fed by watches.
//!
//! Watch events arrive as `apply(obj)` and `delete(namespace, name)` calls (the shape of
//! linkerd's policy-controller indexes); readers query the index without IO. Keeping the
//! indexes sans-IO lets their rules — who owns a scale target, which pods count — be tested
//! with plain values, and lets followers keep them warm for a fast takeover.

mod claims;
mod pods;

pub use claims::{Claim, Claims};
pub use pods::PodIndex;

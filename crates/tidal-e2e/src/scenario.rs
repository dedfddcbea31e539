//! The common shape of a test: a namespace, a metric source, a Deployment and an operator.

use crate::{Env, MetricServer, Operator, TestNamespace};

/// Everything one test runs against, set up in one call and torn down in another.
#[derive(Debug)]
pub struct Scenario {
    /// What the suite's script prepared.
    pub env: Env,
    /// The test's namespace.
    pub ns: TestNamespace,
    /// The trigger's value source.
    pub metric: MetricServer,
    /// The Lease the test's operators elect through.
    pub lease: String,
}

impl Scenario {
    /// A namespace `prefix`, a metric source serving `metric`, and Deployment `web` at `replicas`.
    ///
    /// # Errors
    ///
    /// When the environment or the apiserver fails.
    pub async fn start(prefix: &str, metric: f64, replicas: i32) -> anyhow::Result<Self> {
        let env = Env::load().await?;
        let ns = TestNamespace::create(&env, prefix).await?;
        let metric = MetricServer::start(metric).await?;
        ns.create_deployment("web", replicas).await?;
        let lease = format!("lease-{}", ns.name);
        Ok(Self {
            env,
            ns,
            metric,
            lease,
        })
    }

    /// Starts an operator for this scenario under `identity`.
    ///
    /// # Errors
    ///
    /// When the process does not start.
    pub async fn operator(&self, identity: &str) -> anyhow::Result<Operator> {
        Operator::start(&self.env, &self.ns.name, &self.lease, identity).await
    }

    /// Deletes ScaledObjects `names` while `operator` still runs (so it releases them), stops
    /// the operator and deletes the namespace.
    ///
    /// # Errors
    ///
    /// When a step fails.
    pub async fn finish(self, operator: Operator, names: &[&str]) -> anyhow::Result<()> {
        for name in names {
            self.ns.delete_scaled_object(name).await?;
        }
        operator.terminate().await?;
        self.ns.delete().await
    }
}

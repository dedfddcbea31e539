//! Closed forms of the M/M/c queue (Erlang C), used to size replicas for the oracle and to
//! validate the simulated queue against theory.

/// Probability that an arrival waits in an M/M/c queue with `servers` servers and offered load
/// `load` = λ/μ (in Erlangs). Returns 1 when the queue is unstable (load ≥ servers).
pub fn wait_probability(servers: u32, load: f64) -> f64 {
    let c = f64::from(servers);
    if servers == 0 || load >= c {
        return 1.0;
    }
    if load <= 0.0 {
        return 0.0;
    }
    // Erlang B by the stable recurrence, then C from B.
    let mut b = 1.0;
    for k in 1..=servers {
        b = load * b / (f64::from(k) + load * b);
    }
    let rho = load / c;
    b / (1.0 - rho * (1.0 - b))
}

/// Mean time spent waiting in queue (excluding service) in an M/M/c queue with arrival rate
/// `lambda` per second and mean service time `service` seconds; infinite when unstable.
pub fn mean_wait(servers: u32, lambda: f64, service: f64) -> f64 {
    let load = lambda * service;
    if load >= f64::from(servers) {
        return f64::INFINITY;
    }
    let mu = 1.0 / service;
    wait_probability(servers, load) / (f64::from(servers) * mu - lambda)
}

/// Probability that the wait exceeds `t` seconds in an M/M/c queue.
pub fn wait_exceeds(servers: u32, lambda: f64, service: f64, t: f64) -> f64 {
    let load = lambda * service;
    if load >= f64::from(servers) {
        return 1.0;
    }
    let mu = 1.0 / service;
    wait_probability(servers, load) * (-(f64::from(servers) * mu - lambda) * t).exp()
}

#[cfg(test)]
mod tests {
    use super::{mean_wait, wait_probability};

    #[test]
    fn matches_textbook_values() {
        // M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
        assert!((wait_probability(1, 0.8) - 0.8).abs() < 1e-12);
        assert!((mean_wait(1, 0.8, 1.0) - 4.0).abs() < 1e-9);
        // M/M/2 with a = 1: C = 1/3 (classic worked example), Wq = C / (2 - 1) = 1/3.
        assert!((wait_probability(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((mean_wait(2, 1.0, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!(mean_wait(2, 2.0, 1.0).is_infinite());
    }
}

//! A queue's counts and rates, and what each `mode` makes of them: the value and the activity,
//! exactly as KEDA computes them, including its choices where a rate is zero.

use super::config::Mode;

/// One queue, or several composed by `operation`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Status {
    /// Messages (ready only with `excludeUnacknowledged`).
    pub(crate) messages: f64,
    /// Messages published per second.
    pub(crate) publish_rate: f64,
    /// Messages delivered or fetched per second.
    pub(crate) deliver_get_rate: f64,
}

impl Status {
    /// The trigger's value and activity for `mode` against `activation`.
    ///
    /// With nothing delivered, a ratio or a consumption time has no finite value; KEDA then
    /// reports the activation value itself and counts the trigger active (for the ratio, only
    /// when something is being published), so a stalled consumer still scales from zero.
    pub(crate) fn evaluate(&self, mode: Mode, activation: f64) -> (f64, bool) {
        let Self {
            messages,
            publish_rate: publish,
            deliver_get_rate: deliver,
        } = *self;
        match mode {
            Mode::QueueLength => (messages, messages > activation),
            Mode::MessageRate => (publish, publish > activation || messages > activation),
            Mode::DeliverGetRate => (deliver, deliver > activation),
            Mode::PublishedToDeliveredRatio => {
                let stalled = publish > 0.0 && deliver == 0.0;
                let ratio = if stalled {
                    activation
                } else if publish > 0.0 {
                    publish / deliver
                } else {
                    0.0
                };
                (ratio, ratio > activation || stalled)
            }
            Mode::ExpectedQueueConsumptionTime => {
                if deliver == 0.0 {
                    (activation, true)
                } else {
                    let eta = (publish - deliver) / deliver + messages / deliver;
                    (eta, eta > activation)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(messages: f64, publish: f64, deliver: f64) -> Status {
        Status {
            messages,
            publish_rate: publish,
            deliver_get_rate: deliver,
        }
    }

    #[test]
    fn each_mode_reads_its_value_and_activity_as_keda_does() {
        let busy = status(30.0, 12.0, 4.0);
        let cases = [
            (Mode::QueueLength, (30.0, true)),
            (Mode::MessageRate, (12.0, true)),
            (Mode::DeliverGetRate, (4.0, true)),
            (Mode::PublishedToDeliveredRatio, (3.0, true)),
            // (12 − 4) ÷ 4 + 30 ÷ 4 = 2 + 7.5.
            (Mode::ExpectedQueueConsumptionTime, (9.5, true)),
        ];
        for (mode, want) in cases {
            assert_eq!(busy.evaluate(mode, 1.0), want, "{mode:?}");
        }
    }

    #[test]
    fn deliver_get_rate_activity_ignores_the_message_count() {
        assert_eq!(
            status(50.0, 0.0, 0.5).evaluate(Mode::DeliverGetRate, 1.0),
            (0.5, false)
        );
        assert_eq!(
            status(50.0, 0.5, 0.0).evaluate(Mode::MessageRate, 1.0),
            (0.5, true),
            "MessageRate counts the messages too"
        );
    }

    #[test]
    fn nothing_delivered_reports_the_activation_value() {
        let stalled = status(10.0, 2.0, 0.0);
        assert_eq!(
            stalled.evaluate(Mode::PublishedToDeliveredRatio, 1.5),
            (1.5, true)
        );
        assert_eq!(
            stalled.evaluate(Mode::ExpectedQueueConsumptionTime, 1.5),
            (1.5, true)
        );
        let idle = status(0.0, 0.0, 0.0);
        assert_eq!(
            idle.evaluate(Mode::PublishedToDeliveredRatio, 1.5),
            (0.0, false)
        );
        assert_eq!(
            idle.evaluate(Mode::ExpectedQueueConsumptionTime, 1.5),
            (1.5, true),
            "KEDA keeps an idle queue's consumption-time trigger active"
        );
    }

    #[test]
    fn consumers_ahead_of_publishers_shorten_the_consumption_time() {
        // (1 − 4) ÷ 4 + 2 ÷ 4 = −0.25: already draining faster than it fills.
        assert_eq!(
            status(2.0, 1.0, 4.0).evaluate(Mode::ExpectedQueueConsumptionTime, 0.0),
            (-0.25, false)
        );
    }
}

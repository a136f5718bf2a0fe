//! The one retry policy of every job: a failed attempt runs again after a delay that
//! doubles from the kind's base (30 s unless the kind says otherwise) up to an hour, until
//! the job's attempts are used up.

use jiff::{SignedDuration, Timestamp};

/// How a kind's failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// The delay before the second attempt; each further one doubles it, up to an hour.
    pub base: SignedDuration,
    /// Attempts allowed at most, below the job's own (`None`: the job's own, as queued).
    pub max_attempts: Option<i64>,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            base: SignedDuration::from_secs(30),
            max_attempts: None,
        }
    }
}

impl Retry {
    /// The attempts `job` may have in all.
    pub fn max_attempts(&self, job: &store::Job) -> i64 {
        self.max_attempts
            .map_or(job.max_attempts, |m| m.min(job.max_attempts))
    }

    /// Whether `job`'s current attempt is its last: a failure now gives it up.
    pub fn is_last(&self, job: &store::Job) -> bool {
        job.attempts >= self.max_attempts(job)
    }

    /// When `job` runs again after its current attempt failed at `now`; `None` when that was
    /// its last.
    pub fn retry_at(&self, job: &store::Job, now: Timestamp) -> Option<Timestamp> {
        if self.is_last(job) {
            return None;
        }
        now.checked_add(backoff(job.attempts, self.base)).ok()
    }
}

/// The delay after failed attempt `attempt` (1-based): `base`, then doubling, capped at an
/// hour.
pub fn backoff(attempt: i64, base: SignedDuration) -> SignedDuration {
    let exp = u32::try_from(attempt.clamp(1, 30) - 1).unwrap_or(0).min(20);
    let nanos = base.as_nanos().saturating_mul(1i128 << exp);
    SignedDuration::from_nanos_i128(nanos.min(SignedDuration::from_hours(1).as_nanos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(attempts: i64, max_attempts: i64) -> store::Job {
        store::Job {
            id: uuid::Uuid::nil(),
            kind: "k".into(),
            payload: serde_json::Value::Null,
            attempts,
            max_attempts,
            lease_owner: "w".into(),
        }
    }

    #[test]
    fn backoff_doubles_from_its_base_up_to_an_hour() {
        let base = SignedDuration::from_secs(30);
        let secs: Vec<i64> = (1..=9).map(|a| backoff(a, base).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(
            backoff(2, SignedDuration::from_millis(200)),
            SignedDuration::from_millis(400)
        );
    }

    #[test]
    fn a_job_is_retried_until_its_attempts_are_used_up() {
        let now = Timestamp::UNIX_EPOCH;
        let retry = Retry::default();
        assert_eq!(
            retry.retry_at(&job(1, 3), now),
            Some(now + SignedDuration::from_secs(30))
        );
        assert_eq!(
            retry.retry_at(&job(2, 3), now),
            Some(now + SignedDuration::from_secs(60))
        );
        assert_eq!(retry.retry_at(&job(3, 3), now), None);
        // A kind's own limit lowers the job's, never raises it.
        let capped = Retry {
            max_attempts: Some(2),
            ..Retry::default()
        };
        assert!(capped.is_last(&job(2, 100)));
        assert!(!capped.is_last(&job(1, 100)));
        let loose = Retry {
            max_attempts: Some(50),
            ..Retry::default()
        };
        assert!(loose.is_last(&job(3, 3)));
    }
}

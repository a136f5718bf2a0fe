//! The `deliver_email` job ([`store::outbox::DeliverEmail`], queued with each e-mail by
//! `store::outbox::queue`): composes the queued e-mail ([`crate::services::outgoing`]) and
//! hands it to the SMTP server. Temporary failures (connection problems, 4xx replies) are
//! retried; permanent ones (a bad address, 5xx replies) fail the e-mail at once. The e-mail's
//! status follows the job's.

use super::{Attempt, Context, Job, Outcome, Settled, mailer::SendError};
use crate::services::outgoing::{self, ComposeError};
use jiff::Timestamp;
use store::{Conn, outbox::DeliverEmail};

impl Job for DeliverEmail {
    /// Without an SMTP server, e-mail stays queued.
    fn available(ctx: &Context) -> bool {
        ctx.mailer.is_some()
    }

    async fn run(&self, ctx: &Context, _: Attempt) -> Outcome {
        match send(ctx, self).await {
            Ok(()) => {
                tracing::info!(email = %self.email_id, "e-mail delivered");
                Outcome::Done
            }
            Err(SendError::Temporary(e)) => Outcome::Retry(format!("temporary: {e}")),
            Err(SendError::Permanent(e)) => Outcome::GiveUp(format!("permanent: {e}")),
        }
    }

    async fn settle(
        &self,
        c: &mut Conn,
        settled: Settled<'_>,
        now: Timestamp,
    ) -> store::Result<()> {
        match settled {
            Settled::Done => store::outbox::mark_sent(c, self.email_id, now).await,
            Settled::Retrying(error, _) => {
                store::outbox::mark_attempt_failed(c, self.email_id, error, true).await
            }
            Settled::Failed(error) => {
                store::outbox::mark_attempt_failed(c, self.email_id, error, false).await
            }
        }
    }
}

async fn send(ctx: &Context, job: &DeliverEmail) -> Result<(), SendError> {
    let Some(mailer) = &ctx.mailer else {
        return Err(SendError::Temporary("no SMTP server configured".into()));
    };
    let email = match crate::services::mail::queued(&ctx.state, job.email_id).await {
        Ok(Some(email)) => email,
        Ok(None) => return Err(SendError::Permanent("the e-mail no longer exists".into())),
        Err(e) => return Err(SendError::Temporary(e.to_string())),
    };
    let from = mailer.from_address();
    let composed = outgoing::compose(&ctx.state, &email, &from, mailer.from_name())
        .await
        .map_err(|e| match e {
            ComposeError::Permanent(e) => SendError::Permanent(e),
            ComposeError::Temporary(e) => SendError::Temporary(e),
        })?;
    mailer.send(&composed).await
}

//! Delivery of queued e-mail over SMTP with `lettre`.

use crate::config::Config;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use store::Email;

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: connection problems, 4xx replies.
    #[error("temporary: {0}")]
    Temporary(String),
    /// Retrying cannot help: bad address, 5xx replies.
    #[error("permanent: {0}")]
    Permanent(String),
}

#[derive(Debug, Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no SMTP server is configured (or its URL is unusable, which is logged).
    pub fn from_config(config: &Config) -> Option<Self> {
        if config.smtp.url.is_empty() {
            return None;
        }
        let from = match config.smtp.from.parse::<Mailbox>() {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "smtp.from is not a valid address");
                return None;
            }
        };
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp.url) {
            Ok(builder) => Some(Self {
                transport: builder.build(),
                from,
            }),
            Err(e) => {
                tracing::error!(error = %e, "smtp.url is not usable");
                None
            }
        }
    }

    /// Sends `email`; `reply_to` is the report's reply address, when it has one.
    pub async fn send(&self, email: &Email, reply_to: Option<&str>) -> Result<(), SendError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?;
        let mut builder = Message::builder().from(self.from.clone()).to(to);
        if let Some(address) = reply_to {
            let mailbox: Mailbox = address
                .parse()
                .map_err(|e| SendError::Permanent(format!("reply address: {e}")))?;
            builder = builder.reply_to(mailbox);
        }
        let message = builder
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}@embargo>", email.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body_text.clone())
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}

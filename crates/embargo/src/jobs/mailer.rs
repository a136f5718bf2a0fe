//! Delivery of queued e-mail over SMTP with `lettre`.

use crate::config::Config;
use crate::services::outgoing::Composed;
use lettre::{
    Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor, address::Envelope,
    message::Mailbox,
};
use secrecy::ExposeSecret;

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
        if config.smtp.url.expose_secret().is_empty() {
            return None;
        }
        let from = match config.smtp.from.parse::<Mailbox>() {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "smtp.from is not a valid address");
                return None;
            }
        };
        match AsyncSmtpTransport::<Tokio1Executor>::from_url(config.smtp.url.expose_secret()) {
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

    /// Our address, for `From` and the envelope.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// Our display name, if configured.
    pub fn from_name(&self) -> Option<&str> {
        self.from.name.as_deref()
    }

    /// Sends a composed message (see [`crate::services::outgoing`]) as it is.
    pub async fn send(&self, message: &Composed) -> Result<(), SendError> {
        let to: Address = message
            .to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?;
        let envelope = Envelope::new(Some(self.from.email.clone()), vec![to])
            .map_err(|e| SendError::Permanent(format!("envelope: {e}")))?;
        match self.transport.send_raw(&envelope, &message.raw).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Temporary(e.to_string())),
        }
    }
}
